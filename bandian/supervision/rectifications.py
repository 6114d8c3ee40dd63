"""The rectification list (问题清单), closed one by one (销号式管理): the one write path and its log.

`rectification_open` puts a problem on the list; `rectification_act` moves it through the loop:

    open ──started──▶ rectifying ──submitted──▶ submitted ──verified──▶ verified (crossed off)
                          ▲                         │
                          └────────sent_back────────┘          verified ──reopened──▶ rectifying

Both lock the item, check who may do what (`rules`), append one hash-chained log row, store the
derived state on the item and notify the people concerned after the commit. A log row's hash is
``SHA-256(prev_hash + "\\n" + canonical content)`` with the canonical JSON of the applications'
timeline (`bandian.applications.timeline.canonical_list`) over `CONTENT_FIELDS`; the item keeps
the head (`log_count`, `head_hash`), so a changed, removed or inserted row shows in `verify`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from bandian.accounts.models import County, Role, User
from bandian.accounts.rules import has_role
from bandian.applications.timeline import GENESIS, canonical_list, db_data, db_instant
from bandian.core.errors import ServiceError, StateConflict
from bandian.core.text import label
from bandian.core.time import SHANGHAI
from bandian.core.uploads import ALLOWED_CONTENT, UploadRefused, checked_file
from bandian.notify.services import notify
from bandian.policy.loader import active_policy
from bandian.supervision import rules
from bandian.supervision.models import Action, Rectification, RectificationLog, Source, Status
from bandian.workdays.calendar import CalendarYearMissing
from bandian.workdays.selectors import get_calendar

# The canonical content of a log row, in this order.
CONTENT_FIELDS = (
    "item",
    "item_id",
    "seq",
    "action",
    "status",
    "actor",
    "occurred_at",
    "received_at",
    "note",
    "evidence",
    "evidence_sha256",
    "data",
    "prev_hash",
)

# action → (the states it may follow, the state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    Action.STARTED: (frozenset({Status.OPEN}), Status.RECTIFYING),
    Action.SUBMITTED: (frozenset({Status.OPEN, Status.RECTIFYING}), Status.SUBMITTED),
    Action.VERIFIED: (frozenset({Status.SUBMITTED}), Status.VERIFIED),
    Action.SENT_BACK: (frozenset({Status.SUBMITTED}), Status.RECTIFYING),
    Action.REOPENED: (frozenset({Status.VERIFIED}), Status.RECTIFYING),
}
# Who may take each action: the unit's logins rectify; supervisors verify, send back, reopen.
UNIT_ACTIONS = frozenset({Action.STARTED, Action.SUBMITTED})
SUPERVISOR_ACTIONS = frozenset({Action.VERIFIED, Action.SENT_BACK, Action.REOPENED})
# Actions that need a note: what was done, or why it goes back.
NOTE_REQUIRED = frozenset({Action.SUBMITTED, Action.SENT_BACK, Action.REOPENED})
NOTE_MAX = 4000


def log_hash(prev_hash: str, values: list[Any]) -> str:
    return hashlib.sha256((prev_hash + "\n" + canonical_list(values)).encode()).hexdigest()


def _content(row: Mapping[str, Any], item_no: str) -> list[Any]:
    """The canonical content of a log row (as stored, or as read back by `verify`)."""
    return [
        item_no,
        row["item_id"],
        row["seq"],
        row["action"],
        row["status"],
        row["actor_id"],
        db_instant(row["occurred_at"]),
        db_instant(row["received_at"]),
        row["note"],
        str(row["evidence"] or ""),
        row["evidence_sha256"],
        db_data(row["data"]),
        row["prev_hash"],
    ]


def _next_no(at: dt.datetime) -> str:
    year = at.astimezone(SHANGHAI).year
    prefix = f"ZG-{year}-"
    last = Rectification.objects.filter(no__startswith=prefix).aggregate(m=Max("no"))["m"]
    n = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{n:05d}"


def _append(
    item: Rectification,
    *,
    action: str,
    status: str,
    actor: User | None,
    at: dt.datetime,
    note: str = "",
    evidence: tuple[bytes, str] | None = None,
    data: dict[str, Any] | None = None,
) -> RectificationLog:
    row = RectificationLog(
        item=item,
        seq=item.log_count + 1,
        action=action,
        status=status,
        actor=actor,
        occurred_at=at,
        received_at=timezone.now(),
        note=note,
        data=data or {},
        prev_hash=item.head_hash or GENESIS,
    )
    if evidence is not None:
        content, mime = evidence
        row.evidence_sha256 = hashlib.sha256(content).hexdigest()
        row.evidence.save(f"{row.evidence_sha256[:16]}.{ALLOWED_CONTENT[mime]}", ContentFile(content), save=False)
    values = {f: getattr(row, f) for f in ("item_id", "seq", "action", "status", "actor_id", "note", "data")}
    values |= {
        "occurred_at": row.occurred_at,
        "received_at": row.received_at,
        "evidence": row.evidence.name or "",
        "evidence_sha256": row.evidence_sha256,
        "prev_hash": row.prev_hash,
    }
    row.hash = log_hash(row.prev_hash, _content(values, item.no))
    row.save()
    item.log_count = row.seq
    item.head_hash = row.hash
    return row


def unit_label(code: str) -> str:
    """A unit's name in the request's language (its code if the policy no longer names it)."""
    unit = active_policy().supervision.units.get(code)
    return label(unit) if unit is not None else code


def default_due(at: dt.datetime) -> dt.date:
    """The due day of an item the system opens: the policy's number of working days after it opens."""
    days = active_policy().supervision.rectification.due_workdays
    day = at.astimezone(SHANGHAI).date()
    try:
        return get_calendar().add_workdays(day, days)
    except CalendarYearMissing:
        # The official calendar of that year is not loaded yet (the banner says so): count
        # Monday to Friday, so that the item still opens; the due day can be corrected by hand.
        while days:
            day += dt.timedelta(days=1)
            days -= day.weekday() < 5
        return day


def rectification_open(
    *,
    source: str,
    title: str,
    unit: str,
    actor: User | None,
    subject: str = "",
    description: str = "",
    county: County | str | None = None,
    due_on: dt.date | None = None,
    at: dt.datetime | None = None,
    data: dict[str, Any] | None = None,
    notify_people: bool = True,
) -> tuple[Rectification, bool]:
    """Put a problem on the list; returns (item, created).

    A problem the system finds (every source but `inspection`) is one item per source and
    subject: opening it again returns the existing item unchanged. `actor` None is the system;
    a person must be a supervisor. `due_on` defaults to the policy's working days after `at`.
    """
    when = at or timezone.now()
    if source not in Source.values:
        raise ServiceError(_("未知的问题来源：%(s)s") % {"s": source})
    if actor is not None and not rules.can_open_rectification(actor):
        raise ServiceError(_("只有监管人员可以列入问题"))
    if actor is None and source == Source.INSPECTION:
        raise ServiceError(_("监督检查发现的问题由监管人员列入"))
    if unit not in active_policy().supervision.units:
        raise ServiceError(_("未知的责任单位：%(u)s") % {"u": unit})
    title = title.strip()
    if not title or len(title) > 200:
        raise ServiceError(_("请填写问题（不超过 200 字）"))
    if len(description) > NOTE_MAX or len(subject) > 100:
        raise ServiceError(_("内容过长"))
    due = due_on or default_due(when)
    if due < when.astimezone(SHANGHAI).date():
        raise ServiceError(_("整改期限不能早于今天"))
    if source != Source.INSPECTION:
        existing = Rectification.objects.filter(source=source, subject=subject).first()
        if existing is not None:
            return existing, False
    county_id = county.pk if isinstance(county, County) else county
    try:
        with transaction.atomic():
            item = Rectification.objects.create(
                no=_next_no(when),
                source=source,
                subject=subject,
                title=title,
                description=description.strip(),
                unit=unit,
                county_id=county_id,
                due_on=due,
                opened_at=when,
                opened_by=actor,
            )
            _append(item, action=Action.OPENED, status=Status.OPEN, actor=actor, at=when, data=data)
            item.save(update_fields=["log_count", "head_hash"])
            if notify_people:
                _notify_unit(item, _("新列入问题清单：%(t)s") % {"t": item.title})
    except IntegrityError:
        # Another process opened the same problem at the same moment: that one is the item.
        if source == Source.INSPECTION:
            raise
        return Rectification.objects.get(source=source, subject=subject), False
    return item, True


def rectification_act(
    item: Rectification,
    *,
    action: str,
    actor: User,
    note: str = "",
    measures: str = "",
    evidence: UploadedFile | None = None,
    at: dt.datetime | None = None,
    notify_people: bool = True,
) -> Rectification:
    """The one way to move an item through the loop (see the module's docstring), or to add a
    note (`commented`, in any state). Refuses with `ServiceError` (who, what is missing) or
    `StateConflict` (the item is not in a state the action may follow), changing nothing."""
    when = at or timezone.now()
    note = note.strip()
    measures = measures.strip()
    if action not in Action.values or action == Action.OPENED:
        raise ServiceError(_("未知的操作：%(a)s") % {"a": action})
    if len(note) > NOTE_MAX or len(measures) > NOTE_MAX:
        raise ServiceError(_("内容过长（不超过 %(n)s 字）") % {"n": NOTE_MAX})
    if action in NOTE_REQUIRED and not note:
        raise ServiceError(_("请填写说明"))
    if action == Action.SUBMITTED and not (measures or item.measures):
        raise ServiceError(_("请填写整改措施"))
    checked: tuple[bytes, str] | None = None
    if evidence is not None:
        try:
            checked = checked_file(evidence)
        except UploadRefused as exc:
            raise ServiceError(str(exc)) from exc
    with transaction.atomic():
        locked = Rectification.objects.select_for_update().get(pk=item.pk)
        if action in UNIT_ACTIONS and not rules.can_rectify(actor, locked):
            raise ServiceError(_("只有责任单位可以整改"))
        if action in SUPERVISOR_ACTIONS and not has_role(actor, Role.SUPERVISOR):
            raise ServiceError(_("只有监管人员可以核验、退回或重新打开"))
        if action == Action.VERIFIED and not rules.can_verify(actor, locked):
            raise ServiceError(_("整改人不能核验自己的整改"))
        if action == Action.COMMENTED:
            if not (rules.can_rectify(actor, locked) or has_role(actor, Role.SUPERVISOR)):
                raise ServiceError(_("只有责任单位和监管人员可以备注"))
            if not note:
                raise ServiceError(_("请填写说明"))
            status = locked.status
        else:
            allowed, status = TRANSITIONS[action]
            if locked.status not in allowed:
                raise StateConflict(
                    _("该问题当前为“%(s)s”，不能%(a)s") % {"s": Status(locked.status).label, "a": Action(action).label}
                )
        data: dict[str, Any] = {}
        if action == Action.SUBMITTED:
            locked.measures = measures or locked.measures
            locked.rectified_by = actor
            locked.submitted_at = when
            data["measures"] = locked.measures
        elif action == Action.VERIFIED:
            locked.verified_by = actor
            locked.closed_at = when
        elif action in (Action.SENT_BACK, Action.REOPENED):
            locked.verified_by = None
            locked.closed_at = None
            locked.submitted_at = None
        _append(locked, action=action, status=status, actor=actor, at=when, note=note, evidence=checked, data=data)
        locked.status = status
        locked.save()
        if notify_people and action in (Action.SENT_BACK, Action.REOPENED, Action.VERIFIED):
            _notify_unit(locked, _("问题 %(no)s：%(a)s") % {"no": locked.no, "a": Action(action).label})
    return locked


def _notify_unit(item: Rectification, subject: str) -> None:
    """Tell the responsible unit's logins (after the commit)."""
    recipients = [
        u for u in User.objects.filter(is_active=True).exclude(role="applicant") if item.unit in rules.units_of(u)
    ]
    if item.county_id:
        recipients = [u for u in recipients if u.county_id in (None, item.county_id)]
    for user in recipients[:50]:
        notify(recipient=user, subject=subject, body=f"{item.no} {item.title}")


def is_overdue(item: Rectification, *, today: dt.date) -> bool:
    return item.status != Status.VERIFIED and item.due_on < today


def closed_in_time(item: Rectification) -> bool:
    return (
        item.status == Status.VERIFIED
        and item.closed_at is not None
        and (item.closed_at.astimezone(SHANGHAI).date() <= item.due_on)
    )


# Verification of the logs.


@dataclass(frozen=True)
class LogProblem:
    item: str
    seq: int | None
    problem: str


def verify(items: Iterable[Rectification] | None = None) -> list[LogProblem]:
    """Recompute every log's chain (or these items'); a problem per broken chain."""
    problems: list[LogProblem] = []
    heads = {
        i.pk: i
        for i in (
            items
            if items is not None
            else Rectification.objects.all().only("pk", "no", "log_count", "head_hash", "status")
        )
    }
    rows = RectificationLog.objects.filter(item_id__in=list(heads)).order_by("item_id", "seq").values()
    current: dict[int, tuple[int, str]] = {}
    last_status: dict[int, str] = {}
    for row in rows:
        item = heads[row["item_id"]]
        count, prev = current.get(item.pk, (0, GENESIS))
        if row["seq"] != count + 1:
            problems.append(LogProblem(item.no, row["seq"], f"row {row['seq']} follows row {count}"))
        if row["prev_hash"] != prev:
            problems.append(LogProblem(item.no, row["seq"], "prev_hash does not match the row before"))
        expected = log_hash(row["prev_hash"], _content(row, item.no))
        if expected != row["hash"]:
            problems.append(LogProblem(item.no, row["seq"], "hash does not match the row's content"))
        current[item.pk] = (row["seq"], row["hash"])
        last_status[item.pk] = row["status"]
    for pk, item in heads.items():
        count, head = current.get(pk, (0, GENESIS))
        if pk in last_status and last_status[pk] != item.status:
            problems.append(
                LogProblem(item.no, None, f"the item's status {item.status} is not its log's {last_status[pk]}")
            )
        if count != item.log_count or (count and head != item.head_hash):
            problems.append(
                LogProblem(item.no, None, f"the item's head ({item.log_count}) is not its last row ({count})")
            )
    return problems
