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
from bandian.outages.enums import (
    EventScope,
    NoticeKind,
    OrderKind,
    OutageCause,
    OutageKind,
    PlanStatus,
    ProgressStage,
    Source,
)  # fmt: skip


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
    # The area in words, for the customers and the public outage page.
    area = models.CharField(_("area"), max_length=200, blank=True)
    # The orderly-use plan or order a rationing outage executes (empty: none, flagged).
    rationing_order = models.ForeignKey(
        "RationingOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
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


class RationingOrder(models.Model):
    """The orderly-use plan (有序用电方案) or order that authorises rationing: who issued it, its
    number and date, the days it is in force and the MV users (enterprises) it covers."""

    kind = models.CharField(_("kind"), max_length=10, choices=OrderKind.choices)
    county = models.ForeignKey(
        County, verbose_name=_("county"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # empty: the whole prefecture
    authority = models.CharField(_("issuing authority"), max_length=100)
    document_no = models.CharField(_("document number"), max_length=100)
    issued_on = models.DateField(_("issued on"))
    valid_from = models.DateField(_("in force from"))
    valid_to = models.DateField(_("in force to"))
    users = models.ManyToManyField(MVUser, verbose_name=_("users covered"), related_name="rationing_orders")
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("rationing order")
        verbose_name_plural = _("rationing orders")
        constraints = [models.UniqueConstraint(fields=["authority", "document_no"], name="one_order_per_document")]

    def __str__(self) -> str:
        return f"{self.authority} {self.document_no}"


class PlannedOutage(models.Model):
    """A planned outage (计划停电), announced to the affected customers before it happens.

    `start_announced_at` is when the customers were told the current start (the entry, or the
    last change that moved it): the notice lead time is `start` minus it. When the outage takes
    place it becomes the OutageEvent `event`, under the same reference.
    """

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    scope = models.CharField(_("scope"), max_length=20, choices=EventScope.choices)
    feeder = models.ForeignKey(Feeder, verbose_name=_("feeder"), on_delete=models.PROTECT, related_name="+")
    transformers = models.ManyToManyField(Transformer, verbose_name=_("transformers"), blank=True, related_name="+")
    county = models.ForeignKey(County, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("expected end"))
    works = models.TextField(_("works"))
    area = models.CharField(_("area"), max_length=200)
    temporary = models.BooleanField(_("temporary maintenance"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.ANNOUNCED)
    announced_at = models.DateTimeField(_("announced at"))
    start_announced_at = models.DateTimeField(_("start announced at"))
    late_changes = models.PositiveSmallIntegerField(_("changes inside the notice period"), default=0)
    event = models.OneToOneField(
        OutageEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="plan", verbose_name=_("event")
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start", "id"]
        verbose_name = _("planned outage")
        verbose_name_plural = _("planned outages")
        indexes = [models.Index(fields=["county", "start"])]

    def __str__(self) -> str:
        return self.reference


class ProgressStep(models.Model):
    """One step of repair progress (抢修进度) of an outage event, as told to the customers."""

    event = models.ForeignKey(OutageEvent, on_delete=models.CASCADE, related_name="progress")
    stage = models.CharField(_("stage"), max_length=20, choices=ProgressStage.choices)
    at = models.DateTimeField(_("at"))
    estimated_restoration = models.DateTimeField(_("estimated restoration"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    restoration = models.ForeignKey(RestorationStep, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["event_id", "at", "id"]
        verbose_name = _("repair progress")
        verbose_name_plural = _("repair progress")

    def __str__(self) -> str:
        return f"{self.event_id} {self.stage}"


class Notice(models.Model):
    """One notice to the customers of an outage (each customer's messages are in the outbox,
    under the outage's reference)."""

    reference = models.CharField(_("reference"), max_length=40, db_index=True)
    county = models.ForeignKey(County, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=NoticeKind.choices)
    at = models.DateTimeField(_("sent at"))
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    recipients = models.PositiveIntegerField(_("customers notified"), default=0)
    # A change of a planned outage made inside its notice period (7 days; temporary: 24 hours).
    inside_notice_period = models.BooleanField(_("inside the notice period"), default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("outage notice")
        verbose_name_plural = _("outage notices")

    def __str__(self) -> str:
        return f"{self.reference} {self.kind}"
