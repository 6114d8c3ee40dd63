"""The utility's annual implementation plan (年度实施方案和计划) and interim reports (四（五）（一）):
the plan for a year is due by the last day of February (the policy's month), to the Development
and Reform Commission and the Industry and Information Technology Bureau. Reminders go out 30, 7
and 1 days before; after the due day a missing plan is late and opens a rectification item."""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bandian.accounts.models import Role, User
from bandian.core.errors import ServiceError, StateConflict
from bandian.core.time import SHANGHAI
from bandian.core.uploads import ALLOWED_CONTENT, UploadRefused, checked_file, safe_name
from bandian.notify.services import notify
from bandian.policy.loader import active_policy
from bandian.supervision import rules
from bandian.supervision.models import AnnualPlan, InterimReport, PlanReminder, Source
from bandian.supervision.rectifications import rectification_open


class PlanStatus:
    SUBMITTED = "submitted"  # filed by the due day
    LATE = "late"  # filed after the due day
    MISSING = "missing"  # not filed, the due day has passed
    DUE = "due"  # not filed yet, the due day is still ahead


def plan_due(year: int) -> dt.date:
    """The last day of the policy's month (February: the 28th, or the 29th in a leap year)."""
    month = active_policy().supervision.annual_plan.due_month
    return dt.date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class PlanLine:
    year: int
    due: dt.date
    submitted_at: dt.datetime | None
    status: str
    plan: AnnualPlan | None

    def as_dict(self) -> dict[str, Any]:
        return {"year": self.year, "due": self.due, "submitted_at": self.submitted_at, "status": self.status}


def plan_line(year: int, *, today: dt.date, plan: AnnualPlan | None = None) -> PlanLine:
    due = plan_due(year)
    if plan is None:
        plan = AnnualPlan.objects.filter(year=year).first()
    if plan is not None:
        on_time = plan.submitted_at.astimezone(SHANGHAI).date() <= due
        return PlanLine(year, due, plan.submitted_at, PlanStatus.SUBMITTED if on_time else PlanStatus.LATE, plan)
    return PlanLine(year, due, None, PlanStatus.MISSING if today > due else PlanStatus.DUE, None)


def plan_lines(*, today: dt.date, year: int | None = None) -> list[PlanLine]:
    """One line per year: the given one, or every year with a plan plus this year and the next."""
    plans = {p.year: p for p in AnnualPlan.objects.all()}
    years = [year] if year is not None else sorted(set(plans) | {today.year, today.year + 1}, reverse=True)
    return [plan_line(y, today=today, plan=plans.get(y)) for y in years]


def interim_reports(*, limit: int = 50) -> list[InterimReport]:
    return list(InterimReport.objects.select_related("reported_by")[:limit])


def _checked(upload: UploadedFile) -> tuple[bytes, str]:
    try:
        return checked_file(upload)
    except UploadRefused as exc:
        raise ServiceError(str(exc)) from exc


def annual_plan_file(
    *, year: int, title: str, upload: UploadedFile, actor: User, at: dt.datetime | None = None
) -> AnnualPlan:
    """File the utility's plan for `year` (once; a year's plan is not replaced)."""
    when = at or timezone.now()
    if not rules.can_file_annual_plan(actor):
        raise ServiceError(_("只有供电企业的管理员可以报送年度实施方案"))
    this_year = when.astimezone(SHANGHAI).year
    if not (this_year - 1 <= year <= this_year + 1):
        raise ServiceError(_("只能报送去年、今年或明年的年度实施方案"))
    title = title.strip()
    if not title or len(title) > 200:
        raise ServiceError(_("请填写标题（不超过 200 字）"))
    content, mime = _checked(upload)
    digest = hashlib.sha256(content).hexdigest()
    try:
        with transaction.atomic():
            if AnnualPlan.objects.select_for_update().filter(year=year).exists():
                raise StateConflict(_("%(y)s 年的年度实施方案已报送") % {"y": year})
            plan = AnnualPlan(
                year=year,
                title=title,
                sha256=digest,
                original_name=safe_name(upload.name or ""),
                submitted_at=when,
                submitted_by=actor,
                recipients=list(active_policy().supervision.annual_plan.recipients),
            )
            plan.file.save(f"{year}-{digest[:16]}.{ALLOWED_CONTENT[mime]}", ContentFile(content), save=False)
            plan.save()
    except IntegrityError as exc:
        raise StateConflict(_("%(y)s 年的年度实施方案已报送") % {"y": year}) from exc
    for user in User.objects.filter(role=Role.SUPERVISOR, is_active=True):
        notify(recipient=user, subject=_("%(y)s 年度实施方案已报送") % {"y": year}, body=title, sms=False)
    return plan


def interim_report_file(
    *, title: str, text: str, actor: User, upload: UploadedFile | None = None, at: dt.datetime | None = None
) -> InterimReport:
    """Report interim results and problems (阶段性成效和突出问题), at any time."""
    when = at or timezone.now()
    if not rules.can_file_annual_plan(actor):
        raise ServiceError(_("只有供电企业的管理员可以报送阶段性成效和突出问题"))
    title, text = title.strip(), text.strip()
    if not title or len(title) > 200 or not text or len(text) > 10000:
        raise ServiceError(_("请填写标题（不超过 200 字）和内容（不超过 10000 字）"))
    report = InterimReport(title=title, text=text, reported_at=when, reported_by=actor)
    if upload is not None:
        content, mime = _checked(upload)
        report.sha256 = hashlib.sha256(content).hexdigest()
        report.file.save(f"{report.sha256[:16]}.{ALLOWED_CONTENT[mime]}", ContentFile(content), save=False)
    report.save()
    return report


def plan_watch(*, at: dt.datetime | None = None) -> dict[str, int]:
    """Send the reminders that are due and open an item for a plan past its due day.

    Run daily (`manage.py supervision scan`). A reminder for "N days before" goes once, on that
    day or, if the scan did not run that day, on the first run after it while the plan is still
    due; a plan missing after its due day opens one `annual_plan` item for the utility."""
    when = at or timezone.now()
    today = when.astimezone(SHANGHAI).date()
    sent = opened = 0
    for year in (today.year, today.year + 1):
        line = plan_line(year, today=today)
        if line.status == PlanStatus.DUE:
            days_left = (line.due - today).days
            pending = [d for d in active_policy().supervision.annual_plan.reminder_days if days_left <= d]
            done = set(PlanReminder.objects.filter(year=year).values_list("days_before", flat=True))
            todo = [d for d in pending if d not in done]
            if todo:
                # One reminder for the nearest one due (the others, missed, are recorded as sent).
                PlanReminder.objects.bulk_create(
                    [PlanReminder(year=year, days_before=d, sent_at=when) for d in todo], ignore_conflicts=True
                )
                subject = _("%(y)s 年度实施方案须于 %(d)s 前报送（还有 %(n)s 天）") % {
                    "y": year,
                    "d": line.due.isoformat(),
                    "n": days_left,
                }
                for user in User.objects.filter(is_active=True).filter(role=Role.ADMIN):
                    notify(recipient=user, subject=subject, body=subject)
                sent += 1
        elif line.status == PlanStatus.MISSING:
            _item, created = rectification_open(
                source=Source.ANNUAL_PLAN,
                subject=str(year),
                title=_("%(y)s 年度实施方案逾期未报送（截止 %(d)s）") % {"y": year, "d": line.due.isoformat()},
                unit=_utility_unit(),
                actor=None,
                at=when,
            )
            opened += int(created)
    return {"reminders": sent, "opened": opened}


def _utility_unit() -> str:
    return next(code for code, unit in active_policy().supervision.units.items() if unit.kind == "utility")
