"""The distribution grid as reliability counts it: substations, 10 kV feeders, distribution
transformers, medium-voltage users (requirements §6) and the low-voltage customers behind them.

Only bandian.grid.services writes these tables (the back-office forms and the CSV loaders go
through it). `Change` is the history of these rows and of outage events: who changed what, when,
field by field, written by the services through bandian.grid.history.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from bandian.accounts.models import County
from bandian.grid.enums import AREA_CHOICES, ChangeAction, DensityClass, MVUserKind, Ownership


class Substation(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    county = models.ForeignKey(County, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+")
    voltage_kv = models.PositiveSmallIntegerField(_("voltage (kV)"))
    # Its main transformers' rated capacity and its measured peak load, in kVA (issue 13: the
    # published access capacity); empty when not known.
    rated_capacity_kva = models.PositiveIntegerField(_("rated capacity (kVA)"), null=True, blank=True)
    peak_load_kva = models.PositiveIntegerField(_("peak load (kVA)"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("substation")
        verbose_name_plural = _("substations")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Feeder(models.Model):
    """A 10 kV feeder. Capacity is given as apparent power (kVA), like its peak load."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    substation = models.ForeignKey(
        Substation, verbose_name=_("substation"), on_delete=models.PROTECT, related_name="feeders"
    )
    county = models.ForeignKey(County, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+")
    area_class = models.CharField(_("area class"), max_length=10, choices=AREA_CHOICES)
    density_class = models.CharField(_("load-density class"), max_length=2, choices=DensityClass.choices, blank=True)
    rated_capacity_kva = models.PositiveIntegerField(_("rated capacity (kVA)"))
    peak_load_kva = models.PositiveIntegerField(_("peak load (kVA)"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("feeder")
        verbose_name_plural = _("feeders")
        indexes = [models.Index(fields=["county", "area_class"])]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Transformer(models.Model):
    """A distribution transformer, public (公用变) or customer-owned (专用变)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    feeder = models.ForeignKey(Feeder, verbose_name=_("feeder"), on_delete=models.PROTECT, related_name="transformers")
    ownership = models.CharField(_("ownership"), max_length=10, choices=Ownership.choices)
    capacity_kva = models.PositiveIntegerField(_("capacity (kVA)"))
    county = models.ForeignKey(County, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+")
    area_class = models.CharField(_("area class"), max_length=10, choices=AREA_CHOICES)

    class Meta:
        ordering = ["code"]
        verbose_name = _("distribution transformer")
        verbose_name_plural = _("distribution transformers")
        indexes = [models.Index(fields=["county", "area_class"])]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class MVUser(models.Model):
    """One user in the reliability count: a public distribution transformer or a customer supplied
    at 10(20) kV (requirements §6). `user_id` is the id used in the §5 files.

    `feeder` and `kind` are empty for users known only from an imported §5 users file.
    In service from `in_service_from` 00:00 to the end of `in_service_to` (Asia/Shanghai);
    empty means before any year counted / still in service.
    """

    user_id = models.CharField(_("user id"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=MVUserKind.choices, blank=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    feeder = models.ForeignKey(
        Feeder, verbose_name=_("feeder"), null=True, blank=True, on_delete=models.PROTECT, related_name="mv_users"
    )
    # The public transformer this user is (kind public_transformer), or the customer's own one.
    transformer = models.ForeignKey(
        Transformer,
        verbose_name=_("transformer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mv_users",
    )
    county = models.ForeignKey(County, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+")
    area_class = models.CharField(_("area class"), max_length=10, choices=AREA_CHOICES)
    in_service_from = models.DateField(_("in service from"), null=True, blank=True)
    in_service_to = models.DateField(_("in service to"), null=True, blank=True)
    # Whom outage notices go to for an HV customer (a public transformer's customers are the LV
    # customers under it).
    contact_name = models.CharField(_("contact"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)

    class Meta:
        ordering = ["user_id"]
        verbose_name = _("MV user")
        verbose_name_plural = _("MV users")
        indexes = [models.Index(fields=["county", "area_class"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.name}".strip()


class LVCustomer(models.Model):
    """A low-voltage customer, supplied from a distribution transformer."""

    account_no = models.CharField(_("account number"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    transformer = models.ForeignKey(
        Transformer, verbose_name=_("transformer"), on_delete=models.PROTECT, related_name="lv_customers"
    )
    county = models.ForeignKey(County, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+")
    # The number outage notices go to by SMS; an account registered with it also gets them in-app.
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        ordering = ["account_no"]
        verbose_name = _("LV customer")
        verbose_name_plural = _("LV customers")

    def __str__(self) -> str:
        return f"{self.account_no} {self.name}"


class Change(models.Model):
    """One recorded change of a grid row or an outage event: who (`actor`, empty for the command
    line), when (`at`), what (`action`, and `changes`: a list of [field, old, new], values as the
    pages show them). A row with no object summarises a whole file load or import.

    Written only by bandian.grid.history, from the services; never edited."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=ChangeAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    at = models.DateTimeField(_("at"))
    changes = models.JSONField(_("changes"), default=list, blank=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("change")
        verbose_name_plural = _("changes")
        indexes = [models.Index(fields=["content_type", "object_id", "at"]), models.Index(fields=["at"])]

    def __str__(self) -> str:
        return f"{self.action} {self.object_repr} {self.at:%Y-%m-%d %H:%M}"
