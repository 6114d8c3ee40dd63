"""Reads the permit items of a year for the supervision figures (the pure core is `stats.py`).

Used by the supervisors' page (/supervision/approvals/), `manage.py approvals` and the public
statistics (/public/statistics/); nothing writes through here: one query for the items, one for the departments.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils import timezone

from bandian.accounts.models import Department
from bandian.core.time import year_bounds
from bandian.permits.models import PermitItem
from bandian.permits.stats import ApprovalStats, ItemRow, approval_stats
from bandian.policy.loader import active_policy
from bandian.policy.schema import Policy
from bandian.workdays.calendar import WorkCalendar
from bandian.workdays.selectors import get_calendar

ROW_FIELDS = (
    "pk",
    "case__no",
    "case__application__no",
    "item_type",
    "department__code",
    "status",
    "case__status",
    "case__opened_at",
    "decided_at",
    "case__limit_workdays",
    "due_at",
    "case__restoration_due_at",
    "restoration_confirmed_at",
)


def item_rows(year: int, *, county: str | None = None) -> list[ItemRow]:
    """The items of `year`: decided in it, or undecided with their case opened in it; of the
    applications of `county` (an adcode) if given."""
    start, end = year_bounds(year)
    in_year = Q(decided_at__gte=start, decided_at__lt=end) | Q(
        decided_at__isnull=True, case__opened_at__gte=start, case__opened_at__lt=end
    )
    if county is not None:
        in_year &= Q(case__application__county_id=county)
    return [ItemRow(*values) for values in PermitItem.objects.filter(in_year).values_list(*ROW_FIELDS).order_by("pk")]


def department_names() -> dict[str, str]:
    """Every department, prefecture ones first, then the county governments, by code."""
    rows = Department.objects.values_list("code", "name", "county_id")
    return {code: name for code, name, county in sorted(rows, key=lambda r: (r[2] is not None, r[0]))}


def approvals_report(
    year: int,
    *,
    now: dt.datetime | None = None,
    policy: Policy | None = None,
    cal: WorkCalendar | None = None,
    county: str | None = None,
) -> tuple[ApprovalStats, dict[str, str]]:
    """The year's figures and the department names (code → name); of one county's applications
    if `county` is given (the public statistics)."""
    policy = policy or active_policy()
    names = department_names()
    stats = approval_stats(
        item_rows(year, county=county),
        year=year,
        cal=cal or get_calendar(),
        now=now or timezone.now(),
        departments=[key for key, dept in policy.permits.departments.items() if not dept.per_county],
        item_types=list(policy.permits.items),
    )
    return stats, names


def report_dict(stats: ApprovalStats, names: dict[str, str], policy: Policy) -> dict[str, Any]:
    """The JSON report: the figures with each department's and item type's name."""
    data = stats.as_dict()
    data["by_department"] = {code: {"name": names.get(code, code), **v} for code, v in stats.by_department.items()}
    data["by_item_type"] = {
        code: {"name": policy.permits.items[code].zh if code in policy.permits.items else code, **v}
        for code, v in stats.by_item_type.items()
    }
    return data
