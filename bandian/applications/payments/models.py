"""Payment orders (缴费通知单): what staff ask an applicant to pay, from the fee catalogue only.

An order's state changes only through bandian.applications.payments.services, each change also
an event on the application's timeline.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from bandian.applications.models import Application


class OrderStatus(models.TextChoices):
    ISSUED = "issued", _("待缴费")
    PAID = "paid", _("已缴费")
    CANCELLED = "cancelled", _("已撤销")
    REFUNDED = "refunded", _("已退费")


class PaymentOrder(models.Model):
    """One payment order of an application: its items are copied from the catalogue when issued,
    so a later change of the catalogue does not change what was asked."""

    no = models.CharField(_("order number"), max_length=40, unique=True)
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="payment_orders")
    status = models.CharField(_("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.ISSUED)
    # Yuan, the sum of the items.
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    policy_name = models.CharField(max_length=100)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True)
    # The provider that took the money (or refunded it) and its transaction reference.
    provider = models.CharField(max_length=20, blank=True)
    provider_ref = models.CharField(max_length=64, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    refunded_at = models.DateTimeField(null=True, blank=True)
    refunded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    refund_ref = models.CharField(max_length=64, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)  # of the cancellation or refund

    class Meta:
        ordering = ["application_id", "issued_at", "pk"]
        indexes = [models.Index(fields=["application", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_ref"],
                condition=~models.Q(provider_ref=""),
                name="one_order_per_provider_transaction",
            )
        ]

    def __str__(self) -> str:
        return self.no


class PaymentItem(models.Model):
    """A catalogue item on an order, as the catalogue had it on the day the order was issued."""

    order = models.ForeignKey(PaymentOrder, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    unit = models.CharField(max_length=10)
    unit_amount = models.DecimalField(max_digits=14, decimal_places=2)
    quantity = models.DecimalField(max_digits=12, decimal_places=2)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    basis = models.CharField(max_length=200)
    illustrative = models.BooleanField(default=False)

    class Meta:
        ordering = ["order_id", "pk"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.code}"

    @property
    def label(self) -> str:
        """The item's name in the language of the request."""
        return self.name_en if (get_language() or "").startswith("en") and self.name_en else self.name


class CallbackNonce(models.Model):
    """A nonce of a provider callback whose signature was good: a second use is a replay."""

    provider = models.CharField(max_length=20)
    nonce = models.CharField(max_length=64)
    received_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "nonce"], name="one_use_per_nonce")]
        indexes = [models.Index(fields=["received_at"])]

    def __str__(self) -> str:
        return f"{self.provider} {self.nonce}"
