"""Hand-computed permit items across the 2026 National Day holiday (Oct 1–7 off, Oct 10 worked).

`ROWS` are the items as the statistics core reads them; `FIGURES` what the figures must be, worked
out by hand (working time in hours, 24 h = 1 working day):

1. housing, green_space: 09-30 10:00 → 10-09 15:00 = 14 + 24 (Oct 8) + 15 = 53 h = 2.208 d, limit 10
2. housing, green_space: 09-29 09:00 → 10-13 09:00 = 15 + 24 + 72 (Oct 8, 9, 10) + 24 (Oct 12) + 9
   = 144 h = 6.0 d, limit 5: late
3. transport, road_works, refused: 09-30 10:00 → 10-08 10:00 = 14 + 10 = 24 h = 1.0 d, limit 5
4. transport, road_works, pending since 11-20, due 11-27 09:00: overdue at NOW (11-28)
5. county-522601, road_occupation, stopped by item 3's refusal: counted, not decided
6. natural_resources, tree_felling, commitment decided at intake 06-01 (0 d), restoring, restoration
   due 06-15: overdue
7. transport, road_works, commitment decided at intake 11-25 (0 d), restoring, due 12-09: open
8. housing, green_space: 2025-12-31 09:00 → 2026-01-01 00:30 (Shanghai) = 15 h (Jan 1 is a holiday)
   = 0.625 d: in 2026 by the decision's Shanghai date
9. housing, green_space, decided 2025-12-31 23:00 Shanghai: in 2025, not in 2026
"""

from __future__ import annotations

import datetime as dt

from bandian.core.time import SHANGHAI
from bandian.permits.stats import ItemRow


def at(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, mi, tzinfo=SHANGHAI)


NOW = at(2026, 11, 28, 9)


def row(n: int, dept: str, kind: str, status: str, case_status: str, opened, decided, limit, **kw) -> ItemRow:
    return ItemRow(
        item_id=n,
        case_no=f"QDN-2026-{n:06d}-W01",
        application_no=f"QDN-2026-{n:06d}",
        item_type=kind,
        department=dept,
        status=status,
        case_status=case_status,
        opened_at=opened,
        decided_at=decided,
        limit_workdays=limit,
        due_at=kw.get("due_at"),
        restoration_due_at=kw.get("restoration_due_at"),
        restoration_confirmed_at=kw.get("restoration_confirmed_at"),
    )


ROWS = [
    row(1, "housing", "green_space", "approved", "approved", at(2026, 9, 30, 10), at(2026, 10, 9, 15), 10),
    row(2, "housing", "green_space", "approved", "approved", at(2026, 9, 29, 9), at(2026, 10, 13, 9), 5),
    row(3, "transport", "road_works", "refused", "refused", at(2026, 9, 30, 10), at(2026, 10, 8, 10), 5),
    row(4, "transport", "road_works", "pending", "open", at(2026, 11, 20, 9), None, 10, due_at=at(2026, 11, 27, 9)),
    row(5, "county-522601", "road_occupation", "stopped", "refused", at(2026, 9, 30, 10), at(2026, 10, 8, 10), 5),
    row(
        6,
        "natural_resources",
        "tree_felling",
        "approved",
        "restoring",
        at(2026, 6, 1, 10),
        at(2026, 6, 1, 10),
        10,
        restoration_due_at=at(2026, 6, 15, 10),
    ),
    row(
        7,
        "transport",
        "road_works",
        "approved",
        "restoring",
        at(2026, 11, 25, 10),
        at(2026, 11, 25, 10),
        10,
        restoration_due_at=at(2026, 12, 9, 10),
    ),
    row(8, "housing", "green_space", "approved", "approved", at(2025, 12, 31, 9), at(2026, 1, 1, 0, 30), 10),
    row(9, "housing", "green_space", "approved", "approved", at(2025, 12, 30, 9), at(2025, 12, 31, 23), 10),
]

EMPTY = {
    "count": 0,
    "decided": 0,
    "refused": 0,
    "stopped": 0,
    "mean_workdays": None,
    "max_workdays": None,
    "within_limit_share": None,
    "pending": 0,
    "pending_overdue": 0,
    "restorations_open": 0,
    "restorations_overdue": 0,
}
HOUSING = {
    **EMPTY,
    "count": 3,
    "decided": 3,
    "mean_workdays": 2.944,
    "max_workdays": 6.0,
    "within_limit_share": 0.6667,
}
TRANSPORT = {
    **EMPTY,
    "count": 3,
    "decided": 2,
    "refused": 1,
    "mean_workdays": 0.5,
    "max_workdays": 1.0,
    "within_limit_share": 1.0,
    "pending": 1,
    "pending_overdue": 1,
    "restorations_open": 1,
}
RESOURCES = {
    **EMPTY,
    "count": 1,
    "decided": 1,
    "mean_workdays": 0.0,
    "max_workdays": 0.0,
    "within_limit_share": 1.0,
    "restorations_open": 1,
    "restorations_overdue": 1,
}
COUNTY = {**EMPTY, "count": 1, "stopped": 1}
TOTAL = {
    "count": 8,
    "decided": 6,
    "refused": 1,
    "stopped": 1,
    "mean_workdays": 1.639,
    "max_workdays": 6.0,
    "within_limit_share": 0.8333,
    "pending": 1,
    "pending_overdue": 1,
    "restorations_open": 2,
    "restorations_overdue": 1,
}
