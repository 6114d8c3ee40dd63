"""The engine equals a brute-force, minute-by-minute reference on random inputs.

Timestamps are whole minutes near the two ends of 2025 (Asia/Shanghai), service dates near them
too, so every convention is exercised: clipping to the year and to the service window, momentary
rows (1-3 minutes) against sustained ones, zero and negative lengths, overlaps and touching
intervals in each of the five merges, users not in service, rows of unknown users.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from bandian.core.time import year_bounds
from bandian.outages.records import INTERRUPTIONS_SCHEMA, USERS_SCHEMA
from bandian.reliability import engine

CST = dt.timezone(dt.timedelta(hours=8))
Y0 = dt.datetime(2025, 1, 1, tzinfo=CST)
Y1 = dt.datetime(2026, 1, 1, tzinfo=CST)
YEAR_MINUTES = 365 * 24 * 60
AREAS = ("central", "urban", "town", "rural")
COUNTIES = ("522601", "522622")
TARGETS = {"central": 1.9, "urban": 4.9, "town": 8.9, "rural": 15.0}
DATES = [None, *(dt.date(2024, 12, 30) + dt.timedelta(days=d) for d in range(4))]
DATES += [dt.date(2025, 12, 29) + dt.timedelta(days=d) for d in range(4)]


def minute(t: dt.datetime) -> int:
    return int(t.timestamp()) // 60


def reference(users: list[dict[str, Any]], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Figures computed the plain way: a set of covered minutes per user and merge."""
    subsets = {
        "total": lambda r: True,
        "planned": lambda r: r["kind"] == "planned",
        "fault": lambda r: r["kind"] == "fault",
        "no_external": lambda r: r["cause"] != "external",
        "no_rationing": lambda r: r["cause"] != "rationing",
    }
    per_user = {}
    for u in users:
        lo = Y0 if u["in_service_from"] is None else dt.datetime.combine(u["in_service_from"], dt.time(), CST)
        hi = (
            Y1
            if u["in_service_to"] is None
            else dt.datetime.combine(u["in_service_to"] + dt.timedelta(days=1), dt.time(), CST)
        )
        lo, hi = max(lo, Y0), min(hi, Y1)
        if hi <= lo:
            continue
        window = range(minute(lo), minute(hi))
        covered = {name: set() for name in subsets}
        momentary = 0
        for r in rows:
            if r["user_id"] != u["user_id"]:
                continue
            length = (r["end"] - r["start"]).total_seconds()
            if 0 < length <= 180:
                momentary += minute(r["start"]) in window
            elif length > 180:
                for name, keep in subsets.items():
                    if keep(r):
                        covered[name] |= {m for m in range(minute(r["start"]), minute(r["end"])) if m in window}
        total = covered["total"]
        blocks = sum(1 for m in total if m - 1 not in total)
        per_user[u["user_id"]] = {
            "user": u,
            "years": Fraction(len(window), YEAR_MINUTES),
            "minutes": {name: len(c) for name, c in covered.items()},
            "blocks": blocks,
            "momentary": momentary,
        }

    def figures(members: list[dict[str, Any]], target: float | None) -> dict[str, Any]:
        if not members:
            return {"users": 0, "user_years": 0.0, "momentary_count": 0, "saidi_hours": None, "cemi": None}
        years = sum(m["years"] for m in members)
        saidi = {n: Fraction(sum(m["minutes"][n] for m in members), 60) / years for n in subsets}
        blocks = sum(m["blocks"] for m in members)
        saifi = blocks / years
        hours = 8760
        count = len(members)
        return {
            "users": count,
            "user_years": years,
            "saidi_hours": saidi["total"],
            "saifi": saifi,
            "caidi_hours": saidi["total"] / saifi if blocks else None,
            "rs1": 1 - saidi["total"] / hours,
            "rs2": 1 - saidi["no_external"] / hours,
            "rs3": 1 - saidi["no_rationing"] / hours,
            "planned_hours": saidi["planned"],
            "fault_hours": saidi["fault"],
            "momentary_count": sum(m["momentary"] for m in members),
            "cemi": {str(n): Fraction(sum(m["blocks"] > n for m in members), count) for n in range(1, 6)},
            "celid_8h": Fraction(sum(m["minutes"]["total"] > 8 * 60 for m in members), count),
            "target_hours": target,
            "meets_target": None if target is None else saidi["total"] <= Fraction(str(target)),
        }

    members = list(per_user.values())
    return {
        "per_user": per_user,
        "by_area": {a: figures([m for m in members if m["user"]["area_class"] == a], TARGETS[a]) for a in AREAS},
        "by_county": {
            c: figures([m for m in members if m["user"]["county"] == c], None)
            for c in sorted({m["user"]["county"] for m in members})
        },
        "total": figures(members, None),
    }


def assert_same(got: dict[str, Any], want: dict[str, Any], where: str) -> None:
    for name, expected in want.items():
        value = got[name]
        if isinstance(expected, dict):
            assert value is not None, f"{where}.{name}"
            assert_same(value, expected, f"{where}.{name}")
        elif isinstance(expected, Fraction):
            assert value is not None and abs(Fraction(value) - expected) <= Fraction(3, 2_000_000), (
                f"{where}.{name}: {value} != {float(expected)}"
            )
        else:
            assert value == expected, f"{where}.{name}: {value!r} != {expected!r}"


user_strategy = st.fixed_dictionaries(
    {
        "area_class": st.sampled_from(AREAS),
        "county": st.sampled_from(COUNTIES),
        "in_service_from": st.sampled_from([None, None, *DATES]),
        "in_service_to": st.sampled_from([None, None, None, *DATES]),
    }
)
row_strategy = st.fixed_dictionaries(
    {
        "user": st.integers(0, 3),  # 3 users at most: U003 is never in the frame
        "near": st.sampled_from([Y0, Y1]),
        "offset": st.one_of(st.sampled_from([-1, 0, 1]), st.integers(-30, 30), st.integers(-24 * 60 - 30, 24 * 60)),
        # Most rows continue the previous one: same user, starting from its end (touching,
        # overlapping or a little after) or from its start (nested or overlapping).
        "chain": st.sampled_from([None, "end", "end", "start"]),
        "gap": st.sampled_from([-30, -20, -5, -1, 0, 0, 0, 1, 4]),
        "length": st.one_of(st.sampled_from([-1, 0, 1, 2, 3, 4, 5, 10, 15]), st.integers(0, 200)),
        "kind": st.sampled_from(["planned", "fault"]),
        "cause": st.sampled_from(["internal", "external", "rationing"]),
    }
)


@settings(max_examples=300, deadline=None)
@given(st.lists(user_strategy, min_size=1, max_size=3), st.lists(row_strategy, max_size=14))
def test_engine_equals_minute_by_minute_reference(users_in: list[dict[str, Any]], rows_in: list[dict[str, Any]]):
    users = [{"user_id": f"U{i:03d}", **u} for i, u in enumerate(users_in)]
    rows: list[dict[str, Any]] = []
    for i, r in enumerate(rows_in):
        if r["chain"] and rows:
            user_id = rows[-1]["user_id"]
            start = rows[-1][r["chain"]] + dt.timedelta(minutes=r["gap"] if r["chain"] == "end" else abs(r["gap"]))
        else:
            user_id = f"U{r['user']:03d}"
            start = r["near"] + dt.timedelta(minutes=r["offset"])
        rows.append(
            {
                "event_id": f"E{i}",
                "user_id": user_id,
                "start": start,
                "end": start + dt.timedelta(minutes=r["length"]),
                "kind": r["kind"],
                "cause": r["cause"],
            }
        )
    users_frame = pl.DataFrame(users, schema=USERS_SCHEMA)
    rows_frame = pl.DataFrame(rows, schema=INTERRUPTIONS_SCHEMA)

    report = engine.compute_year(users_frame, rows_frame, 2025, targets=TARGETS).as_dict()
    want = reference(users, rows)

    for area in AREAS:
        assert_same(report["by_area"][area], want["by_area"][area], f"by_area.{area}")
    assert list(report["by_county"]) == list(want["by_county"])
    for county, figures in want["by_county"].items():
        assert_same(report["by_county"][county], figures, f"by_county.{county}")
    assert_same(report["total"], want["total"], "total")

    start, end = year_bounds(2025)
    per_user = engine.per_user(users_frame, rows_frame, start=start, end=end)
    assert per_user["user_id"].to_list() == list(want["per_user"])
    for row in per_user.iter_rows(named=True):
        expected = want["per_user"][row["user_id"]]
        assert row["sustained_seconds"] == expected["minutes"]["total"] * 60
        assert row["sustained_count"] == expected["blocks"]
        assert row["momentary_count"] == expected["momentary"]
        assert abs(Fraction(row["user_years"]) - expected["years"]) < Fraction(1, 10**12)
