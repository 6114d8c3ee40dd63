from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bandian.accounts.models import County
from bandian.applications.enums import Channel, EventType, Status
from bandian.policy.classes import CustomerClass


class Application(models.Model):
    """An application for an electricity connection (办电).

    Status, current stage and due dates are derived from the timeline and stored here for
    queries; only bandian.applications.services writes them.
    """

    no = models.CharField(_("application number"), max_length=32, unique=True)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    # A hash of the applicant's identity number: identifies restarts without storing the number.
    applicant_ref = models.CharField(max_length=80, blank=True, db_index=True)
    applicant_name = models.CharField(_("applicant name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    customer_class = models.CharField(_("customer class"), max_length=20, choices=CustomerClass.choices)
    county = models.ForeignKey(County, verbose_name=_("county"), on_delete=models.PROTECT)
    urban = models.BooleanField(_("urban area"))
    address = models.CharField(_("address"), max_length=200)
    capacity_kw = models.DecimalField(_("capacity (kW)"), max_digits=10, decimal_places=1)
    voltage_kv = models.DecimalField(_("voltage (kV)"), max_digits=6, decimal_places=2)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    imported = models.BooleanField(default=False)
    policy_name = models.CharField(max_length=100)

    # Decided on submission from the policy.
    zero_investment = models.BooleanField(_("zero investment"), default=False)
    eligibility_rule = models.CharField(_("rule that decided"), max_length=200, blank=True)
    extended_boundary = models.BooleanField(_("extended investment boundary"), default=False)
    extended_boundary_reason = models.CharField(max_length=200, blank=True)

    # 双经理: both managers, assigned by county on submission.
    customer_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="managed_applications"
    )
    project_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="managed_projects"
    )

    # Restarts (重走流程): linked to the first application, clocks from its submission.
    restart_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="restarts")
    clock_started_at = models.DateTimeField(null=True, blank=True)

    # The feeder the supply plan connects it to (issue 13): set by staff on the `plan` step, so
    # the capacity an application reserves is on a real feeder.
    feeder = models.ForeignKey(
        "grid.Feeder",
        verbose_name=_("feeder"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )

    # Derived from the timeline (stored for queries).
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    current_stage = models.CharField(max_length=20, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    energised_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    stage_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    due_at = models.DateTimeField(null=True, blank=True)
    # The chain's head: the number of events and the hash of the last one.
    event_count = models.PositiveIntegerField(default=0)
    head_hash = models.CharField(max_length=64, blank=True)
    # The public progress query's answer, built by the write path beside the state it comes
    # from, and the key of what it was built from (progress.py checks it before sending it).
    progress_key = models.CharField(max_length=200, blank=True, editable=False)
    progress_answer = models.TextField(blank=True, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["county", "status", "stage_due_at"]),
            models.Index(fields=["energised_at"]),
        ]

    def __str__(self) -> str:
        return self.no

    @property
    def phone_last4(self) -> str:
        return self.phone[-4:]


class Document(models.Model):
    """An uploaded application document of a kind the policy names for the class."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("document"), max_length=40)
    file = models.FileField(upload_to="documents/%Y/%m/", blank=True)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    original_name = models.CharField(max_length=200, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["application", "kind"], name="one_document_per_kind")]

    def __str__(self) -> str:
        return f"{self.application.no} {self.kind}"


class Event(models.Model):
    """One change of an application: append-only, each hashing the one before it (SHA-256).

    `occurred_at` is when it happened and is what the clocks count: the server's receipt time,
    or a terminal's own time for field actions, or the time in an imported record.
    `received_at` is always the server's time.
    """

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    type = models.CharField(max_length=30, choices=EventType.choices)
    stage = models.CharField(max_length=20, blank=True)
    reason = models.CharField(max_length=40, blank=True)
    note = models.TextField(blank=True)
    evidence = models.FileField(upload_to="evidence/%Y/%m/", blank=True)
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField()
    device_at = models.DateTimeField(null=True, blank=True)
    device_id = models.CharField(max_length=100, blank=True)
    backfilled = models.BooleanField(default=False)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["application_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["application", "seq"], name="one_event_per_seq")]

    def __str__(self) -> str:
        return f"{self.application_id}#{self.seq} {self.type}"


class ChainAnchor(models.Model):
    """Once a day: one hash over every application's chain head, published on a public page."""

    day = models.DateField(unique=True)
    digest = models.CharField(max_length=64)
    applications = models.PositiveIntegerField()
    events = models.PositiveBigIntegerField()
    # The highest event id at the time: the anchor covers exactly the events with id <= this, so
    # `timeline verify` can recompute the digest later (see applications/integrity.py).
    last_event_id = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day} {self.digest}"


class Sequence(models.Model):
    """Counters for application numbers, one row per year, taken under a row lock."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"
