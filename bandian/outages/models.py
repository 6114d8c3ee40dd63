"""Interruptions of supply: events entered in the back office with their stepwise restoration,
and the per-user rows of requirements §5 (entered events expand to them; files import them).

Only bandian.outages.services writes these tables.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bandian.accounts.models import County
from bandian.grid.models import Feeder, MVUser, Transformer
from bandian.outages.enums import EventScope, OutageCause, OutageKind, Source


class OutageEvent(models.Model):
    """An outage entered in the back office, on a whole feeder or on some of its transformers.

    The affected MV users are fixed when it is entered (those in service at its start); each
    restoration step brings some of them back. It can be closed once all are restored.
    """

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    scope = models.CharField(_("scope"), max_length=20, choices=EventScope.choices)
    feeder = models.ForeignKey(Feeder, verbose_name=_("feeder"), on_delete=models.PROTECT, related_name="outage_events")
    transformers = models.ManyToManyField(
        Transformer, verbose_name=_("transformers"), blank=True, related_name="outage_events"
    )
    county = models.ForeignKey(County, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=OutageKind.choices)
    cause = models.CharField(_("cause"), max_length=10, choices=OutageCause.choices)
    start = models.DateTimeField(_("start"))
    description = models.TextField(_("description"), blank=True)
    affected_users = models.ManyToManyField(
        MVUser, verbose_name=_("affected users"), blank=True, related_name="outage_events"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start", "-id"]
        verbose_name = _("outage event")
        verbose_name_plural = _("outage events")
        indexes = [models.Index(fields=["county", "start"])]

    def __str__(self) -> str:
        return self.reference


class RestorationStep(models.Model):
    """One step of restoration: these users got supply back at `at`."""

    event = models.ForeignKey(OutageEvent, on_delete=models.CASCADE, related_name="steps")
    at = models.DateTimeField(_("restored at"))
    users = models.ManyToManyField(MVUser, verbose_name=_("users restored"), related_name="+")
    note = models.CharField(_("note"), max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event_id", "at", "id"]
        verbose_name = _("restoration step")
        verbose_name_plural = _("restoration steps")

    def __str__(self) -> str:
        return f"{self.event_id} {self.at:%Y-%m-%d %H:%M}"


class Interruption(models.Model):
    """One user's interruption in one event: a row of the §5 interruptions file.

    `user` points at MVUser by its `user_id`, so the column holds the §5 id itself and the
    frames read it without a join. `end` is empty while an entered event has not restored the
    user yet.
    """

    event_id = models.CharField(_("event id"), max_length=60)
    user = models.ForeignKey(
        MVUser,
        verbose_name=_("user"),
        to_field="user_id",
        db_column="user_id",
        on_delete=models.PROTECT,
        related_name="interruptions",
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=OutageKind.choices)
    cause = models.CharField(_("cause"), max_length=10, choices=OutageCause.choices)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    # The entered event this row was expanded from (empty for imported rows).
    outage = models.ForeignKey(
        OutageEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="interruptions"
    )

    class Meta:
        ordering = ["start", "event_id", "user_id"]
        verbose_name = _("interruption")
        verbose_name_plural = _("interruptions")
        constraints = [models.UniqueConstraint(fields=["event_id", "user"], name="one_interruption_per_event_user")]
        indexes = [models.Index(fields=["start"]), models.Index(fields=["end"])]

    def __str__(self) -> str:
        return f"{self.event_id}/{self.user_id}"
