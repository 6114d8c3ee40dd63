"""Visit slots a customer manager publishes and the bookings high-voltage applicants make (预约上门).

Only `services.py` writes these rows. The database itself refuses a slot booked twice and an
application holding two live bookings (partial unique constraints on the live states).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bandian.accounts.models import County
from bandian.applications.models import Application


class VisitSlot(models.Model):
    """An interval on a working day when a customer manager can visit a site."""

    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visit_slots")
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="visit_slots")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    published_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["manager", "starts_at"], name="visits_one_slot_per_manager_and_start"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="visits_slot_ends_after_start"),
        ]
        indexes = [models.Index(fields=["county", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.manager} {self.starts_at:%Y-%m-%d %H:%M}"


class Booking(models.Model):
    """One application's booking of one slot. Moving it changes its slot; cancelling ends it."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("已预约，待确认")
        CONFIRMED = "confirmed", _("客户经理已确认")
        CANCELLED = "cancelled", _("已取消")

    LIVE = (Status.BOOKED, Status.CONFIRMED)

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="visit_bookings")
    slot = models.ForeignKey(VisitSlot, on_delete=models.PROTECT, related_name="bookings")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.BOOKED)
    booked_at = models.DateTimeField()
    changed_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_note = models.CharField(max_length=200, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    # Each change adds one: the iCalendar SEQUENCE, so calendar apps keep the latest version.
    revision = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["slot__starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot"], condition=Q(status__in=["booked", "confirmed"]), name="visits_slot_booked_once"
            ),
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(status__in=["booked", "confirmed"]),
                name="visits_one_live_booking_per_application",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} @ {self.slot_id} ({self.status})"

    @property
    def live(self) -> bool:
        return self.status in self.LIVE


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """The secret of a manager's iCalendar feed: the URL carries it, since calendar apps cannot log
    in. The manager can replace it (the old URL stops working at once)."""

    manager = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="visit_feed")
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"feed of {self.manager_id}"
