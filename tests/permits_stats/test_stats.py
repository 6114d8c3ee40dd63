"""The figures of the statistics core, against hand-computed ones across National Day 2026."""

from __future__ import annotations

import pytest

from bandian.permits.stats import approval_stats
from bandian.workdays.calendar import CalendarYearMissing, WorkCalendar
from bandian.workdays.selectors import get_calendar
from tests.permits_stats.conftest import COUNTY, EMPTY, HOUSING, NOW, RESOURCES, ROWS, TOTAL, TRANSPORT, at, row

pytestmark = pytest.mark.django_db

DEPARTMENTS = ["housing", "natural_resources", "transport", "government_services"]
TYPES = ["green_space", "tree_felling", "road_works", "bridge_lines", "road_occupation"]


def _stats(rows=ROWS, year=2026):
    return approval_stats(rows, year=year, cal=get_calendar(), now=NOW, departments=DEPARTMENTS, item_types=TYPES)


def test_each_department_has_the_hand_computed_figures():
    stats = _stats()
    assert stats.by_department == {
        "housing": HOUSING,
        "natural_resources": RESOURCES,
        "transport": TRANSPORT,
        "government_services": EMPTY,
        "county-522601": COUNTY,
    }


def test_each_item_type_and_the_total_have_the_hand_computed_figures():
    stats = _stats()
    assert stats.by_item_type == {
        "green_space": HOUSING,
        "tree_felling": RESOURCES,
        "road_works": TRANSPORT,
        "bridge_lines": EMPTY,
        "road_occupation": COUNTY,
    }
    assert stats.total == TOTAL


def test_the_overdue_lists_name_the_items_soonest_due_first():
    stats = _stats()
    assert [r.item_id for r in stats.overdue_items] == [4]
    assert [r.item_id for r in stats.overdue_restorations] == [6]


def test_a_year_takes_the_decisions_of_its_shanghai_dates():
    stats = _stats(year=2025)
    assert stats.total["count"] == 1
    assert stats.by_department["housing"]["max_workdays"] == 1.583  # 12-30 09:00 → 12-31 23:00 = 15 + 23 = 38 h


def test_exactly_the_limit_is_within_it():
    # 2026-09-30 10:00 + 5 working days = 2026-10-13 10:00 (requirements §4).
    on_time = row(1, "housing", "green_space", "approved", "approved", at(2026, 9, 30, 10), at(2026, 10, 13, 10), 5)
    late = row(2, "housing", "green_space", "approved", "approved", at(2026, 9, 30, 10), at(2026, 10, 13, 10, 1), 5)
    assert _stats([on_time]).total["within_limit_share"] == 1.0
    assert _stats([late]).total["within_limit_share"] == 0.0


def test_a_confirmed_restoration_is_neither_open_nor_overdue():
    done = row(
        1,
        "transport",
        "road_works",
        "approved",
        "restoring",
        at(2026, 6, 1, 10),
        at(2026, 6, 1, 10),
        10,
        restoration_due_at=at(2026, 6, 15, 10),
        restoration_confirmed_at=at(2026, 6, 10, 10),
    )
    assert _stats([done]).total["restorations_open"] == 0
    assert _stats([done]).overdue_restorations == []


def test_a_year_the_calendar_lacks_is_an_error_naming_it():
    cal = WorkCalendar(years=frozenset({2026}), holidays=frozenset(), makeup_days=frozenset())
    with pytest.raises(CalendarYearMissing) as err:
        approval_stats([ROWS[7]], year=2026, cal=cal, now=NOW)
    assert err.value.year == 2025


def test_csv_rows_have_one_row_per_scope():
    rows = _stats().rows()
    assert [(r["scope"], r["key"]) for r in rows][:2] == [
        ("department", "housing"),
        ("department", "natural_resources"),
    ]
    assert rows[-1] == {"scope": "total", "key": "", **TOTAL}
    assert len(rows) == 5 + 5 + 1
