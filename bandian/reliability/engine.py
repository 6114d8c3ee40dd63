"""Reliability figures (requirements §6) from two Polars frames: pure, no ORM, no database.

The frames are those of /work/notes/reliability-contract.md (and docs/reliability.md), their
schemas defined with the §5 files' parser (bandian.outages.records), the area classes in
bandian.policy.areas, the outage kinds and causes in bandian.outages.enums:

- users: user_id, area_class, county, in_service_from (Date|null), in_service_to (Date|null);
- interruptions: event_id, user_id, start, end (Datetime UTC), kind, cause.

Conventions (the lead's, docs/reliability.md):

- a period is [start, end) (aware datetimes); a year is Jan 1 00:00 to Jan 1 00:00 Asia/Shanghai;
- a user is in service from `in_service_from` 00:00 to the end of `in_service_to` (Asia/Shanghai),
  clipped to the period; `user_years` = in-service seconds / seconds in the period (for a year,
  user-years; for a month, the mean number of users in service that month). Users never in
  service in the period are left out, and so are interruption rows of users not in the users
  frame (`Report.unmatched_rows` counts them);
- a row is momentary when 0 < end − start ≤ 180 s (raw row): it counts once, in the period its
  start falls in, if the user is in service then. Rows with end ≤ start count for nothing. The
  others are sustained: clipped to the user's in-service window in the period, then merged per
  user (overlapping or touching intervals join); each merged block is one interruption;
- five merges, each over its own subset of sustained rows: total, planned, fault, no_external,
  no_rationing;
- times count in whole seconds (fractions of a second are dropped from both ends; the momentary
  test uses the exact duration); sums are exact integers, divided once at the end; figures are
  rounded to 6 decimals.

How it stays fast (10,000,000 rows over 1,000,000 users in a few seconds on 2 cores): user ids
become dense integers through one join, times become integer seconds from the period start, and
the sustained rows are sorted once on key = user_index × (period seconds + 1) + start. Blocks of
one user are then contiguous and increasing, so the per-user running maximum of `end` is a
plain cumulative maximum over the whole column (no window per user), and a new block starts where
key(start) > the running maximum of key(end) of the rows before. Each of the five merges filters
the sorted rows (a filter keeps the order) and reuses that.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import polars as pl

from bandian.core.time import SHANGHAI, year_bounds
from bandian.outages.enums import OutageCause, OutageKind
from bandian.policy.areas import AREA_CLASSES

MERGES = ("total", "planned", "fault", "no_external", "no_rationing")
MOMENTARY_MAX_US = 180_000_000
CEMI_N = (1, 2, 3, 4, 5)
CELID_SECONDS = 8 * 3600
DECIMALS = 6

# The figures of one scope, in the order of the CSV columns (cemi as cemi_1..cemi_5).
FIELDS = (
    "users",
    "user_years",
    "saidi_hours",
    "saifi",
    "caidi_hours",
    "rs1",
    "rs2",
    "rs3",
    "planned_hours",
    "fault_hours",
    "momentary_count",
    "cemi",
    "celid_8h",
    "target_hours",
    "meets_target",
)
CSV_FIELDS = (
    "scope",
    "key",
    *FIELDS[: FIELDS.index("cemi")],
    *(f"cemi_{n}" for n in CEMI_N),
    *FIELDS[FIELDS.index("cemi") + 1 :],
)


@dataclass(frozen=True)
class Sums:
    """The exact integer sums behind one scope's figures."""

    users: int = 0
    in_service_seconds: int = 0
    seconds: Mapping[str, int] = field(default_factory=lambda: dict.fromkeys(MERGES, 0))
    blocks: int = 0  # merged blocks of the total merge
    momentary: int = 0
    cemi_users: tuple[int, ...] = (0, 0, 0, 0, 0)  # users with more than n total blocks, n = 1..5
    celid_users: int = 0  # users with more than 8 h of total merged outage


@dataclass(frozen=True)
class Figures:
    """One scope's figures (requirements §6). Null (None) where the scope has no users in service;
    `caidi_hours` is also null when there was no sustained interruption; `target_hours` and
    `meets_target` only for an area class with a target."""

    users: int
    user_years: float
    saidi_hours: float | None
    saifi: float | None
    caidi_hours: float | None
    rs1: float | None
    rs2: float | None
    rs3: float | None
    planned_hours: float | None
    fault_hours: float | None
    momentary_count: int
    cemi: dict[str, float] | None
    celid_8h: float | None
    target_hours: float | None
    meets_target: bool | None

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in FIELDS}

    def csv_values(self) -> list[Any]:
        row = self.as_dict()
        cemi = row.pop("cemi") or {}
        values = {**row, **{f"cemi_{n}": cemi.get(str(n)) for n in CEMI_N}}
        return [values[name] for name in CSV_FIELDS[2:]]


def figures(sums: Sums, *, period_seconds: int, target_hours: float | None = None) -> Figures:
    """Divide once: the rounded figures of a scope from its exact sums.

    The order of the float operations is fixed (bench/reliability.py's SQL repeats it) so that
    two implementations agree to the last digit before rounding."""

    def r(x: float) -> float:
        return round(x, DECIMALS)

    user_years = sums.in_service_seconds / period_seconds
    if sums.users == 0:
        return Figures(
            users=0,
            user_years=0.0,
            saidi_hours=None,
            saifi=None,
            caidi_hours=None,
            rs1=None,
            rs2=None,
            rs3=None,
            planned_hours=None,
            fault_hours=None,
            momentary_count=sums.momentary,
            cemi=None,
            celid_8h=None,
            target_hours=target_hours,
            meets_target=None,
        )
    hours = period_seconds / 3600
    saidi = {m: sums.seconds[m] / 3600 / user_years for m in MERGES}
    saifi = sums.blocks / user_years
    return Figures(
        users=sums.users,
        user_years=r(user_years),
        saidi_hours=r(saidi["total"]),
        saifi=r(saifi),
        caidi_hours=r(saidi["total"] / saifi) if sums.blocks else None,
        rs1=r(1 - saidi["total"] / hours),
        rs2=r(1 - saidi["no_external"] / hours),
        rs3=r(1 - saidi["no_rationing"] / hours),
        planned_hours=r(saidi["planned"]),
        fault_hours=r(saidi["fault"]),
        momentary_count=sums.momentary,
        cemi={str(n): r(c / sums.users) for n, c in zip(CEMI_N, sums.cemi_users, strict=True)},
        celid_8h=r(sums.celid_users / sums.users),
        target_hours=target_hours,
        meets_target=None if target_hours is None else _within(sums, period_seconds, target_hours),
    )


def _within(sums: Sums, period_seconds: int, target_hours: float) -> bool:
    """SAIDI ≤ target, decided exactly: a figure equal to its target meets it, whatever the
    rounding of floats. The target is read as the decimal it was written as (1.9 is 19/10)."""
    target = Fraction(str(target_hours))
    return sums.seconds["total"] * period_seconds <= target * 3600 * sums.in_service_seconds


@dataclass(frozen=True)
class Report:
    """Figures of a period by area class (all four, always), by county (adcodes with users in
    service, sorted) and in total."""

    start: dt.datetime
    end: dt.datetime
    year: int | None  # set when the period is one calendar year (Asia/Shanghai)
    by_area: dict[str, Figures]
    by_county: dict[str, Figures]
    total: Figures
    unmatched_rows: int = 0  # interruption rows whose user_id is not in the users frame

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600

    def as_dict(self) -> dict[str, Any]:
        """The JSON document: year, start, end, hours, by_area, by_county, total."""
        return {
            "year": self.year,
            "start": self.start.astimezone(SHANGHAI).isoformat(),
            "end": self.end.astimezone(SHANGHAI).isoformat(),
            "hours": self.hours,
            "by_area": {k: f.as_dict() for k, f in self.by_area.items()},
            "by_county": {k: f.as_dict() for k, f in self.by_county.items()},
            "total": self.total.as_dict(),
        }

    def as_json(self) -> dict[str, Any]:
        """Same as as_dict(): a dict ready for json.dumps."""
        return self.as_dict()

    def csv_rows(self) -> Iterator[list[Any]]:
        """A header (CSV_FIELDS), then one row per scope: area (4), county, total."""
        yield list(CSV_FIELDS)
        for key, f in self.by_area.items():
            yield ["area", key, *f.csv_values()]
        for key, f in self.by_county.items():
            yield ["county", key, *f.csv_values()]
        yield ["total", "", *self.total.csv_values()]


def compute(
    users: pl.DataFrame,
    interruptions: pl.DataFrame,
    *,
    start: dt.datetime,
    end: dt.datetime,
    targets: Mapping[str, float] | None = None,
) -> Report:
    """The figures for any period [start, end) (aware datetimes): a year, a month, year-to-date.

    `targets` maps area classes to their SAIDI targets in hours (the command reads them from
    `active_policy().reliability_target(year)`); an area without one gets null target_hours and
    meets_target. For a period shorter than a year, compare a target with care: it is annual."""
    period = _Period.of(start, end)
    per_user, matched = _per_user(users, interruptions, period)
    sums = _sums(per_user)
    by_area = {
        area: figures(
            sums.get(("area", area), Sums()),
            period_seconds=period.seconds,
            target_hours=(targets or {}).get(area),
        )
        for area in AREA_CLASSES
    }
    counties = sorted(k for scope, k in sums if scope == "county")
    by_county = {c: figures(sums[("county", c)], period_seconds=period.seconds) for c in counties}
    total = figures(sums.get(("total", ""), Sums()), period_seconds=period.seconds)
    year = start.astimezone(SHANGHAI).year
    is_year = (start, end) == year_bounds(year)
    return Report(
        start=start,
        end=end,
        year=year if is_year else None,
        by_area=by_area,
        by_county=by_county,
        total=total,
        unmatched_rows=interruptions.height - matched,
    )


def compute_year(
    users: pl.DataFrame,
    interruptions: pl.DataFrame,
    year: int,
    *,
    targets: Mapping[str, float] | None = None,
) -> Report:
    """compute() over the calendar year (Asia/Shanghai)."""
    start, end = year_bounds(year)
    return compute(users, interruptions, start=start, end=end, targets=targets)


def per_user(
    users: pl.DataFrame,
    interruptions: pl.DataFrame,
    *,
    start: dt.datetime,
    end: dt.datetime,
) -> pl.DataFrame:
    """One row per user in service during [start, end), in the users frame's order:
    user_id, area_class, county, user_years (Float64, unrounded), sustained_seconds (Int64,
    total merge), sustained_count (merged blocks), momentary_count. Users without interruptions
    have zeros. Sum sustained_seconds over a feeder's users for its user-hours lost."""
    frame, _ = _per_user(users, interruptions, _Period.of(start, end))
    return frame.select(
        "user_id",
        "area_class",
        "county",
        (pl.col("in_service_seconds") / (end - start).total_seconds()).alias("user_years"),
        pl.col("seconds_total").alias("sustained_seconds"),
        pl.col("blocks").alias("sustained_count"),
        pl.col("momentary").alias("momentary_count"),
    )


@dataclass(frozen=True)
class _Period:
    start_s: int  # epoch seconds
    seconds: int

    @classmethod
    def of(cls, start: dt.datetime, end: dt.datetime) -> _Period:
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("start and end must be aware datetimes")
        if end <= start:
            raise ValueError("the period must end after it starts")
        start_s = start.timestamp()
        seconds = (end - start).total_seconds()
        if start_s != int(start_s) or seconds != int(seconds):
            raise ValueError("the period must start and end on whole seconds")
        return cls(start_s=int(start_s), seconds=int(seconds))


def _shanghai_midnight_seconds(col: str, *, days_after: int) -> pl.Expr:
    """Epoch seconds of 00:00 Asia/Shanghai on the date in `col` (+ days_after days)."""
    # Asia/Shanghai has been UTC+8 without daylight saving since 1991.
    return (pl.col(col).cast(pl.Int64) + days_after) * 86_400 - 8 * 3600


def _user_index(users: pl.DataFrame, period: _Period) -> pl.DataFrame:
    """users with their dense index (uidx, the row number) and in-service window [a, b) in
    seconds from the period start, clipped to [0, period)."""
    length = period.seconds
    return (
        users.lazy()
        .select(
            "user_id",
            "area_class",
            "county",
            (_shanghai_midnight_seconds("in_service_from", days_after=0) - period.start_s)
            .clip(0, length)
            .fill_null(0)
            .alias("a"),
            (_shanghai_midnight_seconds("in_service_to", days_after=1) - period.start_s)
            .clip(0, length)
            .fill_null(length)
            .alias("b"),
        )
        .with_row_index("uidx")
        .with_columns(pl.col("uidx").cast(pl.Int64))
        .collect()
    )


def _match(u: pl.DataFrame, interruptions: pl.DataFrame, period: _Period) -> pl.DataFrame:
    """The interruption rows of known users: uidx, a, b, dur (µs), s, e (whole seconds from the
    period start), flags (bits: 1 planned, 2 fault, 4 cause not external, 8 cause not rationing).

    Users are matched on a 64-bit hash of user_id (an integer join instead of a string join);
    the ids are then compared, so a hash collision cannot pair a row with the wrong user (with
    colliding user ids in the users frame itself the string join is used)."""

    def bit(test: pl.Expr, value: int) -> pl.Expr:
        return test.fill_null(False).cast(pl.Int64) * value

    flags = (
        bit(pl.col("kind") == OutageKind.PLANNED.value, 1)
        + bit(pl.col("kind") == OutageKind.FAULT.value, 2)
        + bit(pl.col("cause") != OutageCause.EXTERNAL.value, 4)
        + bit(pl.col("cause") != OutageCause.RATIONING.value, 8)
    )
    rows = interruptions.lazy().select(
        "user_id",
        pl.col("start").dt.epoch("us").alias("s_us"),
        pl.col("end").dt.epoch("us").alias("e_us"),
        flags.alias("flags"),
    )
    hashed = u.select(pl.col("user_id").hash(_SEED).alias("h"), "uidx", "a", "b")
    if hashed["h"].n_unique() == hashed.height:
        joined = (
            rows.with_columns(pl.col("user_id").hash(_SEED).alias("h"))
            .join(hashed.lazy(), on="h", how="inner")
            .filter(pl.col("user_id") == pl.lit(u["user_id"]).gather(pl.col("uidx")))
        )
    else:
        joined = rows.join(u.lazy().select("user_id", "uidx", "a", "b"), on="user_id", how="inner")

    # Seconds outside the period are clipped to just outside it (-1 or length + 1), which
    # changes no comparison with a window inside [0, length] and lets them fit in 32 bits.
    def seconds(col: str) -> pl.Expr:
        return (pl.col(col) // 1_000_000 - period.start_s).clip(-1, period.seconds + 1).cast(pl.Int32)

    return joined.select(
        "uidx",
        pl.col("a").cast(pl.Int32),
        pl.col("b").cast(pl.Int32),
        (pl.col("e_us") - pl.col("s_us")).alias("dur"),
        seconds("s_us").alias("s"),
        seconds("e_us").alias("e"),
        pl.col("flags").cast(pl.UInt8),
    ).collect()


_SEED = 20_211_231
_FLAG_BITS = {"planned": 1, "fault": 2, "no_external": 4, "no_rationing": 8}
_LOW = 2**32  # the sort word: key(start) above, duration × 16 + flags below


def _per_user(users: pl.DataFrame, interruptions: pl.DataFrame, period: _Period) -> tuple[pl.DataFrame, int]:
    """Per user in service: user_id, area_class, county, in_service_seconds, seconds_<merge>
    for the five merges, blocks (of the total merge), momentary; and how many interruption rows
    matched a user of the frame."""
    if period.seconds >= 2**27:
        raise ValueError("a period of more than four years is not supported")
    modulus = period.seconds + 1  # > every clipped second, so key ranges of two users never touch
    u = _user_index(users, period)
    rows = _match(u, interruptions, period)
    matched = rows.height
    momentary = (
        rows.lazy()
        .filter(
            (pl.col("dur") > 0)
            & (pl.col("dur") <= MOMENTARY_MAX_US)
            & (pl.col("s") >= pl.col("a"))
            & (pl.col("s") < pl.col("b"))
        )
        .group_by("uidx")
        .agg(pl.len().cast(pl.Int64).alias("momentary"))
    )
    # One sort of one Int128 word carries key(start), duration and flags together: sorting a
    # single column is several times faster than sorting rows of several columns.
    start = pl.max_horizontal("s", "a")
    end = pl.min_horizontal("e", "b")
    word = (
        rows.lazy()
        .filter((pl.col("dur") > MOMENTARY_MAX_US) & (end > start))
        .select(
            (
                (pl.col("uidx") * modulus + start).cast(pl.Int128) * _LOW
                + ((end - start).cast(pl.Int64) * 16 + pl.col("flags"))
            ).alias("w")
        )
        .collect()
        .to_series()
        .sort()
    )
    del rows
    low = (pl.col("w") % _LOW).cast(pl.Int64)
    sustained = (
        word.to_frame()
        .lazy()
        .select((pl.col("w") // _LOW).cast(pl.Int64).alias("ks"), low.alias("low"))
        .select(
            (pl.col("ks") // modulus).alias("uidx"),
            "ks",
            (pl.col("ks") + pl.col("low") // 16).alias("ke"),
            *(((pl.col("low") // bit) % 2 == 1).alias(m) for m, bit in _FLAG_BITS.items()),
        )
        .collect()
        .with_columns(pl.col("uidx").set_sorted())
    )
    del word
    plans = [momentary, _merge(sustained.lazy(), "total", blocks=True)]
    plans += [_merge(sustained.lazy().filter(pl.col(m)), m, blocks=False) for m in MERGES[1:]]
    results = pl.collect_all(plans)
    del sustained
    n = u.height
    columns: dict[str, pl.Series] = {}
    for result in results:
        for name in result.columns[1:]:
            column = pl.zeros(n, pl.Int64, eager=True)
            column.scatter(result["uidx"], result[name])
            columns[name] = column
    frame = u.select(
        "user_id",
        "area_class",
        "county",
        (pl.col("b") - pl.col("a")).alias("in_service_seconds"),
    ).with_columns(**columns)
    return frame.filter(pl.col("in_service_seconds") > 0), matched


def _merge(rows: pl.LazyFrame, merge: str, *, blocks: bool) -> pl.LazyFrame:
    """Per user: merged seconds (and blocks) of sorted rows (ks, ke) — gaps and islands with a
    global running maximum, see the module docstring."""
    prev_max = pl.col("ke").cum_max().shift(1, fill_value=-1)
    covered = (pl.col("ke") - pl.max_horizontal("ks", prev_max)).clip(lower_bound=0)
    return (
        rows.with_columns(covered.alias("covered"), (pl.col("ks") > prev_max).alias("new"))
        .group_by("uidx")
        .agg(
            pl.col("covered").sum().alias(f"seconds_{merge}"),
            *([pl.col("new").sum().cast(pl.Int64).alias("blocks")] if blocks else []),
        )
    )


def _sums(per_user: pl.DataFrame) -> dict[tuple[str, str], Sums]:
    """Exact sums per (scope, key): ("area", class), ("county", adcode), ("total", "")."""
    aggs = [
        pl.len().alias("users"),
        pl.col("in_service_seconds").sum(),
        *(pl.col(f"seconds_{m}").sum() for m in MERGES),
        pl.col("blocks").sum(),
        pl.col("momentary").sum(),
        *((pl.col("blocks") > n).sum().alias(f"cemi_{n}") for n in CEMI_N),
        (pl.col("seconds_total") > CELID_SECONDS).sum().alias("celid"),
    ]
    by = {
        "area": per_user.group_by("area_class").agg(aggs).rename({"area_class": "key"}),
        "county": per_user.group_by("county").agg(aggs).rename({"county": "key"}),
        "total": per_user.select(aggs).with_columns(pl.lit("").alias("key")),
    }
    out: dict[tuple[str, str], Sums] = {}
    for scope, frame in by.items():
        for row in frame.iter_rows(named=True):
            out[(scope, row["key"])] = Sums(
                users=int(row["users"]),
                in_service_seconds=int(row["in_service_seconds"] or 0),
                seconds={m: int(row[f"seconds_{m}"] or 0) for m in MERGES},
                blocks=int(row["blocks"] or 0),
                momentary=int(row["momentary"] or 0),
                cemi_users=tuple(int(row[f"cemi_{n}"] or 0) for n in CEMI_N),
                celid_users=int(row["celid"] or 0),
            )
    return out
