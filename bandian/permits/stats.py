"""Supervision figures of the parallel approval (issue 4 point 5): pure, plain data in, figures out.

Which items belong to a year (Asia/Shanghai): a decided item to the year of its decision, an
undecided one to the year its case was opened (intake). For each scope (a department, an item
type, the total):

- `count`: the items of the year; `decided`: those with a department's decision (approved,
  refused, filed); `refused`: those refused; `stopped`: those whose case ended before they
  were decided, by another department's refusal or by the utility's withdrawal (终止审查: in
  the year the case ended, and left out of the working-day figures, as their department
  decided nothing);
- `mean_workdays`, `max_workdays`: working time from the case's intake to the item's decision,
  in working days (24 h of working time = 1 day, the official calendar, requirements §4), over
  the decided items, rounded to 3 decimals; null without decided items. Items of the
  commitment (告知承诺) and filing (备案) paths are decided at intake: 0 days;
- `within_limit_share`: the share of decided items whose working days are ≤ the case's limit
  (`limit_workdays`, from policy at intake), rounded to 4 decimals, on the unrounded figure;
- `pending`: undecided items of a case still open (a refused or withdrawn case has none: its
  waiting items were stopped); `pending_overdue`: those past their due date;
- `restorations_open`: items of a commitment or filing case in `restoring` whose department has
  not confirmed the restoration yet; `restorations_overdue`: those past the case's
  `restoration_due_at`.

The last four are states at `now` (the moment the report is made), among the items of the year.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bandian.core.time import SHANGHAI
from bandian.workdays.calendar import DAY, WorkCalendar

DECIMALS = 3
SHARE_DECIMALS = 4
UNDECIDED = frozenset({"pending", "supplement_requested"})
FIGURES = (
    "count",
    "decided",
    "refused",
    "stopped",
    "mean_workdays",
    "max_workdays",
    "within_limit_share",
    "pending",
    "pending_overdue",
    "restorations_open",
    "restorations_overdue",
)


@dataclass(frozen=True)
class ItemRow:
    """One permit item with what the figures need of its case."""

    item_id: int
    case_no: str
    application_no: str
    item_type: str
    department: str  # the department's code
    status: str  # ItemStatus value
    case_status: str  # CaseStatus value
    opened_at: dt.datetime  # the case's intake
    decided_at: dt.datetime | None
    limit_workdays: int  # the case's limit
    due_at: dt.datetime | None  # the item's due date
    restoration_due_at: dt.datetime | None = None
    restoration_confirmed_at: dt.datetime | None = None

    def year(self) -> int:
        return (self.decided_at or self.opened_at).astimezone(SHANGHAI).year

    def is_pending(self) -> bool:
        return self.decided_at is None and self.status in UNDECIDED and self.case_status == "open"

    def is_pending_overdue(self, now: dt.datetime) -> bool:
        return self.is_pending() and self.due_at is not None and self.due_at < now

    def is_restoration_open(self) -> bool:
        return self.case_status == "restoring" and self.restoration_confirmed_at is None

    def is_restoration_overdue(self, now: dt.datetime) -> bool:
        return self.is_restoration_open() and self.restoration_due_at is not None and self.restoration_due_at < now


@dataclass
class _Tally:
    count: int = 0
    refused: int = 0
    stopped: int = 0
    used: list[float] = field(default_factory=list)
    within: int = 0
    pending: int = 0
    pending_overdue: int = 0
    restorations_open: int = 0
    restorations_overdue: int = 0

    def figures(self) -> dict[str, Any]:
        decided = len(self.used)
        return {
            "count": self.count,
            "decided": decided,
            "refused": self.refused,
            "stopped": self.stopped,
            "mean_workdays": round(math.fsum(self.used) / decided, DECIMALS) if decided else None,
            "max_workdays": round(max(self.used), DECIMALS) if decided else None,
            "within_limit_share": round(self.within / decided, SHARE_DECIMALS) if decided else None,
            "pending": self.pending,
            "pending_overdue": self.pending_overdue,
            "restorations_open": self.restorations_open,
            "restorations_overdue": self.restorations_overdue,
        }


@dataclass(frozen=True)
class ApprovalStats:
    year: int
    by_department: dict[str, dict[str, Any]]
    by_item_type: dict[str, dict[str, Any]]
    total: dict[str, Any]
    overdue_items: list[ItemRow]
    overdue_restorations: list[ItemRow]

    def as_dict(self) -> dict[str, Any]:
        """The `--format json` report."""
        return {
            "year": self.year,
            "by_department": self.by_department,
            "by_item_type": self.by_item_type,
            "total": self.total,
        }

    def rows(self) -> list[dict[str, Any]]:
        """One row per scope for CSV: scope (department, item_type, total), key, then the figures."""
        out = [{"scope": "department", "key": k, **v} for k, v in self.by_department.items()]
        out += [{"scope": "item_type", "key": k, **v} for k, v in self.by_item_type.items()]
        out.append({"scope": "total", "key": "", **self.total})
        return out


def workdays(cal: WorkCalendar, start: dt.datetime, end: dt.datetime) -> float:
    """Working days of [start, end] (raises CalendarYearMissing for a year the calendar lacks)."""
    return cal.working_seconds(start, end) / DAY


def approval_stats(
    rows: Iterable[ItemRow],
    *,
    year: int,
    cal: WorkCalendar,
    now: dt.datetime,
    departments: Iterable[str] = (),
    item_types: Iterable[str] = (),
) -> ApprovalStats:
    """The figures of `year` over the rows given (rows of other years are skipped).

    `departments` and `item_types` list the scopes shown even without items (in that order);
    scopes met in the rows but not listed follow, sorted.
    """
    by_dept: dict[str, _Tally] = {code: _Tally() for code in departments}
    by_type: dict[str, _Tally] = {code: _Tally() for code in item_types}
    total = _Tally()
    overdue: list[ItemRow] = []
    restorations: list[ItemRow] = []
    seen_dept: set[str] = set()
    seen_type: set[str] = set()
    for row in rows:
        if row.year() != year:
            continue
        tallies = (
            by_dept.setdefault(row.department, _Tally()),
            by_type.setdefault(row.item_type, _Tally()),
            total,
        )
        seen_dept.add(row.department)
        seen_type.add(row.item_type)
        used = None
        if row.decided_at is not None and row.status != "stopped":
            used = workdays(cal, row.opened_at.astimezone(SHANGHAI), row.decided_at.astimezone(SHANGHAI))
        pending, late = row.is_pending(), row.is_pending_overdue(now)
        r_open, r_late = row.is_restoration_open(), row.is_restoration_overdue(now)
        if late:
            overdue.append(row)
        if r_late:
            restorations.append(row)
        for t in tallies:
            t.count += 1
            t.refused += row.status == "refused"
            t.stopped += row.status == "stopped"
            if used is not None:
                t.used.append(used)
                if used <= row.limit_workdays:
                    t.within += 1
            t.pending += pending
            t.pending_overdue += late
            t.restorations_open += r_open
            t.restorations_overdue += r_late
    listed_dept, listed_type = list(departments), list(item_types)
    dept_order = listed_dept + sorted(seen_dept - set(listed_dept))
    type_order = listed_type + sorted(seen_type - set(listed_type))

    def due(r: ItemRow) -> dt.datetime:
        return r.due_at or now

    def restoration_due(r: ItemRow) -> dt.datetime:
        return r.restoration_due_at or now

    return ApprovalStats(
        year=year,
        by_department={code: by_dept[code].figures() for code in dept_order},
        by_item_type={code: by_type[code].figures() for code in type_order},
        total=total.figures(),
        overdue_items=sorted(overdue, key=lambda r: (due(r), r.case_no, r.item_id)),
        overdue_restorations=sorted(restorations, key=lambda r: (restoration_due(r), r.case_no, r.item_id)),
    )
