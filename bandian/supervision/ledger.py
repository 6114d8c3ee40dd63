"""The key-task ledger (重点任务台账, 四（五）（二）): the plan's key tasks and their responsible
units come from the policy (`[[supervision.key_tasks]]`); each unit records its measures,
progress, evidence and dates (`ledger_update`); supervisors mark each task's status for the year
with a comment (`task_review`). A unit with no update of a task for the policy's
`ledger_stale_days` is stale on that task."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from bandian.accounts.models import Role, User
from bandian.accounts.rules import has_role
from bandian.accounts.services import department_ensure
from bandian.core.errors import ServiceError
from bandian.core.time import SHANGHAI
from bandian.core.uploads import ALLOWED_CONTENT, UploadRefused, checked_file, safe_name
from bandian.policy.loader import active_policy
from bandian.policy.supervision import KeyTask
from bandian.supervision import rules
from bandian.supervision.models import LedgerEntry, TaskReview, TaskStatus

TEXT_MAX = 4000


def key_task(number: int) -> KeyTask:
    task = next((t for t in active_policy().supervision.key_tasks if t.number == number), None)
    if task is None:
        raise ServiceError(_("没有第 %(n)s 项重点任务") % {"n": number})
    return task


def _check_year(year: int, when: dt.datetime) -> None:
    this_year = when.astimezone(SHANGHAI).year
    if not (this_year - 1 <= year <= this_year):
        raise ServiceError(_("只能更新今年或去年的台账"))


def ledger_update(
    *,
    year: int,
    task: int,
    unit: str,
    measures: str,
    progress: str,
    actor: User,
    started_on: dt.date | None = None,
    planned_on: dt.date | None = None,
    done_on: dt.date | None = None,
    evidence: UploadedFile | None = None,
    at: dt.datetime | None = None,
) -> LedgerEntry:
    """A responsible unit records what it did on a key task; only that unit's logins may."""
    when = at or timezone.now()
    spec = key_task(task)
    if unit not in spec.units:
        raise ServiceError(_("该单位不是这项任务的责任单位"))
    if unit not in rules.units_of(actor):
        raise ServiceError(_("只有责任单位可以更新台账"))
    _check_year(year, when)
    measures, progress = measures.strip(), progress.strip()
    if not measures or not progress:
        raise ServiceError(_("请填写工作措施和进展情况"))
    if len(measures) > TEXT_MAX or len(progress) > TEXT_MAX:
        raise ServiceError(_("内容过长（不超过 %(n)s 字）") % {"n": TEXT_MAX})
    if started_on and done_on and done_on < started_on:
        raise ServiceError(_("完成日期不能早于开始日期"))
    if done_on and done_on > when.astimezone(SHANGHAI).date():
        raise ServiceError(_("完成日期不能晚于今天"))
    entry = LedgerEntry(
        year=year,
        task=task,
        unit=unit,
        measures=measures,
        progress=progress,
        started_on=started_on,
        planned_on=planned_on,
        done_on=done_on,
        recorded_at=when,
        recorded_by=actor,
    )
    if evidence is not None:
        try:
            content, mime = checked_file(evidence)
        except UploadRefused as exc:
            raise ServiceError(str(exc)) from exc
        entry.evidence_sha256 = hashlib.sha256(content).hexdigest()
        entry.evidence_name = safe_name(evidence.name or "")
        entry.evidence.save(f"{entry.evidence_sha256[:16]}.{ALLOWED_CONTENT[mime]}", ContentFile(content), save=False)
    entry.save()
    return entry


def task_review(
    *, year: int, task: int, status: str, comment: str, actor: User, at: dt.datetime | None = None
) -> TaskReview:
    """A supervisor marks a key task's status for the year, with a comment."""
    when = at or timezone.now()
    key_task(task)
    if not has_role(actor, Role.SUPERVISOR):
        raise ServiceError(_("只有监管人员可以评定任务状态"))
    if status not in TaskStatus.values:
        raise ServiceError(_("未知的任务状态：%(s)s") % {"s": status})
    _check_year(year, when)
    comment = comment.strip()
    if len(comment) > TEXT_MAX:
        raise ServiceError(_("内容过长（不超过 %(n)s 字）") % {"n": TEXT_MAX})
    return TaskReview.objects.create(
        year=year, task=task, status=status, comment=comment, reviewed_at=when, reviewed_by=actor
    )


@dataclass
class UnitLine:
    unit: str
    last: LedgerEntry | None
    stale: bool
    updates: int


@dataclass
class TaskLine:
    task: KeyTask
    units: list[UnitLine]
    review: TaskReview | None
    stale: bool = field(default=False)


def ledger(year: int, *, now: dt.datetime | None = None) -> list[TaskLine]:
    """Every key task of the policy for the year: each unit's last update and whether it is stale,
    and the supervisors' latest status. A unit is stale on a task when its last update (or, with
    none, the start of the year) is more than `ledger_stale_days` before now (a past year: its end)."""
    when = (now or timezone.now()).astimezone(SHANGHAI)
    end_of_year = dt.datetime(year + 1, 1, 1, tzinfo=SHANGHAI)
    reference = min(when, end_of_year)
    since = dt.datetime(year, 1, 1, tzinfo=SHANGHAI)
    stale_after = dt.timedelta(days=active_policy().supervision.ledger_stale_days)
    entries = LedgerEntry.objects.filter(year=year).select_related("recorded_by").order_by("recorded_at", "id")
    last: dict[tuple[int, str], LedgerEntry] = {}
    counts: dict[tuple[int, str], int] = {}
    for e in entries:
        last[(e.task, e.unit)] = e
        counts[(e.task, e.unit)] = counts.get((e.task, e.unit), 0) + 1
    reviews: dict[int, TaskReview] = {}
    for r in TaskReview.objects.filter(year=year).order_by("reviewed_at", "id"):
        reviews[r.task] = r
    lines = []
    for task in active_policy().supervision.key_tasks:
        units = []
        for unit in task.units:
            entry = last.get((task.number, unit))
            latest = entry.recorded_at if entry else since
            done = reviews.get(task.number) is not None and reviews[task.number].status == TaskStatus.DONE
            units.append(
                UnitLine(unit, entry, not done and reference - latest > stale_after, counts.get((task.number, unit), 0))
            )
        lines.append(TaskLine(task, units, reviews.get(task.number), any(u.stale for u in units)))
    return lines


def entries_of(year: int, task: int) -> list[LedgerEntry]:
    return list(LedgerEntry.objects.filter(year=year, task=task).select_related("recorded_by"))


def reviews_of(year: int, task: int) -> list[TaskReview]:
    return list(TaskReview.objects.filter(year=year, task=task).select_related("reviewed_by"))


def unit_departments_sync() -> int:
    """A department row for every unit of kind `department` that has none, so that its logins can
    be created (`accounts.services.department_ensure`); returns how many were created."""
    created = 0
    for code, unit in active_policy().supervision.units.items():
        if unit.kind == "department":
            _dept, new = department_ensure(code=code, name=unit.zh)
            created += int(new)
    return created
