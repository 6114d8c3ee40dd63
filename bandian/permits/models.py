"""Parallel approval of external line works (外线工程并联审批).

One `ApprovalCase` per intake: the route, the permit items it needs (one `PermitItem` each, sent
to its department), the materials shared by every department (`CaseMaterial`) and an
append-only log of every action (`CaseLog`). Only bandian.permits.services writes these rows.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bandian.accounts.models import Department
from bandian.applications.models import Application


class CasePath(models.TextChoices):
    """Decided at intake from the policy's thresholds (services.decide_path)."""

    PARALLEL = "parallel", _("并联审批")
    COMMITMENT = "commitment", _("告知承诺")
    FILING = "filing", _("备案")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("审批中")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("不予许可")
    # Commitment and filing cases after the utility reported completion: waiting for every
    # department to confirm that roads and greenery are restored.
    RESTORING = "restoring", _("待恢复确认")
    CLOSED = "closed", _("已办结")
    # The utility ended an open case (the application was withdrawn or cancelled, or the route
    # changed): the items still waiting were stopped.
    WITHDRAWN = "withdrawn", _("已撤回")

    @classmethod
    def finished_states(cls) -> list[str]:
        return [cls.REFUSED, cls.CLOSED, cls.WITHDRAWN]


class ItemStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("待补正")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("不予许可")
    FILED = "filed", _("已备案")
    # The case ended before this item was decided (another department refused its item, or the
    # utility withdrew the case): it needs no decision.
    STOPPED = "stopped", _("终止审查")

    @classmethod
    def undecided_states(cls) -> list[str]:
        return [cls.PENDING, cls.SUPPLEMENT_REQUESTED]


class LogAction(models.TextChoices):
    OPENED = "opened", _("受理")
    MATERIAL_ADDED = "material_added", _("上传材料")
    COMMITMENT_SIGNED = "commitment_signed", _("签署告知承诺书")
    FILED = "filed", _("备案")
    APPROVED = "approved", _("批准")
    REFUSED = "refused", _("不予许可")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("要求补正")
    SUPPLEMENT_PROVIDED = "supplement_provided", _("补正材料")
    CASE_APPROVED = "case_approved", _("审批通过，统一出件")
    CASE_REFUSED = "case_refused", _("审批未通过")
    STOPPED = "stopped", _("终止审查")
    COMPLETION_REPORTED = "completion_reported", _("报告施工完成")
    RESTORATION_CONFIRMED = "restoration_confirmed", _("确认恢复")
    CLOSED = "closed", _("办结")
    WITHDRAWN = "withdrawn", _("撤回")


class ApprovalCase(models.Model):
    """One intake of external line works for an application: unified intake, unified issuance."""

    no = models.CharField(_("case number"), max_length=40, unique=True)
    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.PROTECT, related_name="approval_cases"
    )
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    policy_name = models.CharField(max_length=100)

    # The route.
    route = models.CharField(_("route"), max_length=200)
    route_length_m = models.DecimalField(_("route length (m)"), max_digits=8, decimal_places=1)
    voltage_kv = models.DecimalField(_("voltage (kV)"), max_digits=6, decimal_places=2)
    has_wells = models.BooleanField(_("includes electrical wells"), default=False)
    crossings = models.TextField(_("crossings"), blank=True)

    path = models.CharField(_("path"), max_length=20, choices=CasePath.choices)
    status = models.CharField(_("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    opened_at = models.DateTimeField(_("opened at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # The approval limit from policy (working days) and the deadline it gives; None when the
    # deadline runs into a year the calendar does not hold (never guessed).
    limit_workdays = models.PositiveSmallIntegerField(_("limit (working days)"))
    due_at = models.DateTimeField(_("due"), null=True, blank=True, db_index=True)

    # Unified issuance: one combined document for the case.
    document = models.FileField(upload_to="permits/%Y/%m/", blank=True)
    document_sha256 = models.CharField(max_length=64, blank=True)

    # Notification-commitment (告知承诺).
    commitment_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    commitment_signed_at = models.DateTimeField(null=True, blank=True)

    # After energisation (commitment and filing): completion reported, restoration deadline.
    completion_reported_at = models.DateTimeField(null=True, blank=True)
    completion_reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    restoration_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        indexes = [models.Index(fields=["status", "due_at"])]

    def __str__(self) -> str:
        return self.no


class PermitItem(models.Model):
    """One permit the case needs, sent to one department, decided by it alone."""

    case = models.ForeignKey(ApprovalCase, on_delete=models.CASCADE, related_name="items")
    item_type = models.CharField(_("permit item"), max_length=40)  # a key of policy [permits.items]
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="permit_items"
    )
    status = models.CharField(_("status"), max_length=30, choices=ItemStatus.choices, default=ItemStatus.PENDING)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"), blank=True)  # the refusal's reason
    restoration_confirmed_at = models.DateTimeField(null=True, blank=True)
    restoration_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["case_id", "pk"]
        constraints = [models.UniqueConstraint(fields=["case", "item_type"], name="one_permit_item_per_type")]
        indexes = [models.Index(fields=["department", "status", "due_at"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.item_type}"

    def is_overdue(self, now: dt.datetime | None = None) -> bool:
        """Still waiting for its department past its due date (needs `case` loaded)."""
        return (
            self.status in ItemStatus.undecided_states()
            and self.case.status == CaseStatus.OPEN
            and self.due_at is not None
            and self.due_at < (now or timezone.now())
        )

    def is_restoration_overdue(self, now: dt.datetime | None = None) -> bool:
        """Restoration not confirmed past the case's restoration deadline (needs `case` loaded)."""
        due = self.case.restoration_due_at
        return (
            self.case.status == CaseStatus.RESTORING
            and self.restoration_confirmed_at is None
            and due is not None
            and due < (now or timezone.now())
        )

    @property
    def overdue(self) -> bool:
        return self.is_overdue()

    @property
    def restoration_overdue(self) -> bool:
        return self.is_restoration_overdue()


class CaseMaterial(models.Model):
    """A file uploaded once for the case and shared with every department."""

    case = models.ForeignKey(ApprovalCase, on_delete=models.CASCADE, related_name="materials")
    file = models.FileField(upload_to="permits/materials/%Y/%m/")
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    original_name = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["case_id", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.original_name}"


class CaseLog(models.Model):
    """Append-only: who did what to the case (or one of its items), when, with what note."""

    case = models.ForeignKey(ApprovalCase, on_delete=models.CASCADE, related_name="log")
    item = models.ForeignKey(PermitItem, null=True, blank=True, on_delete=models.CASCADE, related_name="log")
    action = models.CharField(_("action"), max_length=30, choices=LogAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["case_id", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action} {self.at:%Y-%m-%d %H:%M}"
