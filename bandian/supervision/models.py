"""The supervision loop's records: the rectification list (问题清单, 销号式管理) with its hash-chained
log, and the utility's annual implementation plans and interim reports.

Only `bandian.supervision.rectifications` and `bandian.supervision.annual` write these rows.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bandian.accounts.models import County


class Source(models.TextChoices):
    """Where a problem on the list came from. All but `inspection` are opened by the system."""

    OVERDUE_APPLICATION = "overdue_application", _("办电超过时限")
    CLASSIFICATION = "classification", _("办电分类与政策不符")
    ANNUAL_PLAN = "annual_plan", _("年度实施方案逾期未报")
    BAD_RATING = "bad_rating", _("差评未按时处理")
    COMPLAINT = "complaint", _("投诉属实")
    RATIONING = "rationing", _("违规限电")
    LATE_NOTICE = "late_notice", _("停电通知不及时")
    DESIGNATION = "designation", _("疑似“三指定”")
    INSPECTION = "inspection", _("监督检查发现")


class Status(models.TextChoices):
    OPEN = "open", _("待整改")
    RECTIFYING = "rectifying", _("整改中")
    SUBMITTED = "submitted", _("待核验")
    VERIFIED = "verified", _("已销号")


class Action(models.TextChoices):
    OPENED = "opened", _("列入问题清单")
    STARTED = "started", _("开始整改")
    SUBMITTED = "submitted", _("提交核验")
    VERIFIED = "verified", _("核验销号")
    SENT_BACK = "sent_back", _("退回重新整改")
    REOPENED = "reopened", _("重新打开")
    COMMENTED = "commented", _("备注")


class Rectification(models.Model):
    """One problem on the list, closed one by one (销号): open → rectifying → submitted for
    verification → verified and crossed off, or sent back with a reason; it can be reopened.
    The state is derived from the log and stored here for queries."""

    no = models.CharField(_("number"), max_length=20, unique=True)
    source = models.CharField(_("source"), max_length=30, choices=Source.choices)
    # What it is about: an application number, a complaint ticket, an outage reference, a year…
    subject = models.CharField(_("subject"), max_length=100, blank=True)
    title = models.CharField(_("problem"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("responsible unit"), max_length=40)
    county = models.ForeignKey(County, verbose_name=_("county"), null=True, blank=True, on_delete=models.PROTECT)
    due_on = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    measures = models.TextField(_("rectification measures"), blank=True)
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Who submitted the current round's rectification (the verifier must be someone else).
    rectified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The log's head: the number of entries and the hash of the last one.
    log_count = models.PositiveIntegerField(default=0)
    head_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            # The system opens one item per problem: the same source and subject twice is the same item.
            models.UniqueConstraint(
                fields=["source", "subject"], condition=~Q(source="inspection"), name="one_item_per_problem"
            )
        ]
        indexes = [models.Index(fields=["unit", "status"]), models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return self.no


class RectificationLog(models.Model):
    """One change of an item: append-only, each hashing the one before it (SHA-256), like the
    applications' timeline (`bandian.supervision.rectifications` describes the content)."""

    item = models.ForeignKey(Rectification, on_delete=models.PROTECT, related_name="log")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=20, choices=Action.choices)
    status = models.CharField(max_length=20, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField()
    note = models.TextField(blank=True)
    evidence = models.FileField(upload_to="rectifications/%Y/%m/", blank=True)
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["item", "seq"]
        constraints = [models.UniqueConstraint(fields=["item", "seq"], name="one_log_row_per_seq")]

    def __str__(self) -> str:
        return f"{self.item_id}#{self.seq} {self.action}"


class AnnualPlan(models.Model):
    """The utility's implementation plan for a year (年度实施方案和计划), due by the end of February."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(upload_to="annual-plans/")
    sha256 = models.CharField(max_length=64)
    original_name = models.CharField(max_length=200, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recipients = models.JSONField(default=list)

    class Meta:
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year} {self.title}"


class PlanReminder(models.Model):
    """A reminder sent for a year's plan, so that each is sent once."""

    year = models.PositiveSmallIntegerField()
    days_before = models.SmallIntegerField()
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["year", "days_before"], name="one_reminder_per_day")]

    def __str__(self) -> str:
        return f"{self.year} -{self.days_before}"


class InterimReport(models.Model):
    """Interim results and problems (阶段性成效和突出问题), reported at any time."""

    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("results and problems"))
    file = models.FileField(upload_to="interim-reports/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    reported_at = models.DateTimeField()
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-reported_at"]

    def __str__(self) -> str:
        return self.title


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("未启动")
    ON_TRACK = "on_track", _("按计划推进")
    BEHIND = "behind", _("进度滞后")
    DONE = "done", _("已完成")


class LedgerEntry(models.Model):
    """A responsible unit's update of a key task (重点任务台账): measures, progress, evidence, dates."""

    year = models.PositiveSmallIntegerField(_("year"))
    task = models.PositiveSmallIntegerField(_("key task"))
    unit = models.CharField(_("responsible unit"), max_length=40)
    measures = models.TextField(_("measures"))
    progress = models.TextField(_("progress"))
    started_on = models.DateField(_("started on"), null=True, blank=True)
    planned_on = models.DateField(_("to be completed by"), null=True, blank=True)
    done_on = models.DateField(_("completed on"), null=True, blank=True)
    evidence = models.FileField(upload_to="ledger/%Y/", blank=True)
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    evidence_name = models.CharField(max_length=200, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["year", "task", "unit"])]

    def __str__(self) -> str:
        return f"{self.year} task {self.task} {self.unit}"


class TaskReview(models.Model):
    """A supervisor's status and comment on a key task for a year; the latest one is in force."""

    year = models.PositiveSmallIntegerField(_("year"))
    task = models.PositiveSmallIntegerField(_("key task"))
    status = models.CharField(_("status"), max_length=20, choices=TaskStatus.choices)
    comment = models.TextField(_("comment"), blank=True)
    reviewed_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-reviewed_at", "-id"]
        indexes = [models.Index(fields=["year", "task"])]

    def __str__(self) -> str:
        return f"{self.year} task {self.task} {self.status}"


class Complaint(models.Model):
    """A complaint from the 12398 energy regulation hotline or the utility's 95598 line.

    Received → accepted or not (within the policy's limit) → answered (within its limit, once
    extendable); an upheld complaint opens a rectification item. Only
    `bandian.supervision.complaints` writes these rows."""

    class Hotline(models.TextChoices):
        NEA = "12398", _("12398 能源监管热线")
        UTILITY = "95598", _("95598 供电服务热线")

    class State(models.TextChoices):
        RECEIVED = "received", _("待决定是否受理")
        ACCEPTED = "accepted", _("已受理，待答复")
        REJECTED = "rejected", _("不予受理")
        ANSWERED = "answered", _("已答复")

    hotline = models.CharField(_("hotline"), max_length=5, choices=Hotline.choices)
    ticket = models.CharField(_("ticket number"), max_length=40, unique=True)
    received_at = models.DateTimeField(_("received at"))
    category = models.CharField(_("category"), max_length=30)
    text = models.TextField(_("complaint"))
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    county = models.ForeignKey(County, verbose_name=_("county"), null=True, blank=True, on_delete=models.PROTECT)
    application = models.ForeignKey(
        "applications.Application", null=True, blank=True, on_delete=models.PROTECT, related_name="complaints"
    )
    outage = models.ForeignKey("outages.OutageEvent", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The applicant account the complaint is from (by the application or the phone), who sees it.
    complainant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="complaints"
    )
    state = models.CharField(_("status"), max_length=20, choices=State.choices, default=State.RECEIVED)
    accept_due = models.DateTimeField(_("decide by"))
    answer_due = models.DateTimeField(_("answer by"), null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    extended_at = models.DateTimeField(null=True, blank=True)
    extension_reason = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    upheld = models.BooleanField(_("upheld"), null=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField()

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["received_at"]), models.Index(fields=["state", "accept_due"])]

    def __str__(self) -> str:
        return self.ticket


class Contractor(models.Model):
    """A holder of the licence for installing, repairing and testing power facilities
    (承装（修、试）电力设施许可证). Edited by supervisors or imported from CSV."""

    name = models.CharField(_("name"), max_length=200)
    licence_no = models.CharField(_("licence number"), max_length=60, unique=True)
    # Which of 承装 / 承修 / 承试 the licence covers, e.g. "承装、承修".
    licence_class = models.CharField(_("licence class"), max_length=40)
    level = models.CharField(_("level"), max_length=20)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.licence_no})"

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day <= self.valid_to


class ContractorRole(models.TextChoices):
    DESIGNER = "designer", _("设计单位")
    BUILDER = "builder", _("施工单位")
    SUPPLIER = "supplier", _("设备供货单位")


class ContractorDeclaration(models.Model):
    """Who designs, builds or supplies a high-voltage customer's own works, as the applicant declared."""

    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="contractor_declarations"
    )
    role = models.CharField(_("role"), max_length=20, choices=ContractorRole.choices)
    name = models.CharField(_("name"), max_length=200)
    licence_no = models.CharField(_("licence number"), max_length=60, blank=True)
    contractor = models.ForeignKey(
        Contractor, null=True, blank=True, on_delete=models.PROTECT, related_name="declarations"
    )
    declared_at = models.DateTimeField()
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["application", "role"], name="one_declaration_per_role")]

    def __str__(self) -> str:
        return f"{self.application_id} {self.role} {self.name}"
