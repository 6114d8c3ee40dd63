"""Reading reliability figures from the database: the two frames of bandian.reliability.frames, the
pure engine, and the grid joined to the engine's per-user figures (worst feeders and
transformers). No ORM inside the engine; all the database work is here, in a bounded number of
queries whatever the size of the grid.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.core.cache import cache
from django.db.models import Count, Max

from bandian.core.time import SHANGHAI, year_bounds
from bandian.grid.models import Feeder, MVUser, Transformer
from bandian.outages.models import Interruption
from bandian.policy.areas import AREA_CLASSES
from bandian.policy.loader import active_policy
from bandian.reliability import engine, frames
from bandian.reliability.engine import Report

WORST = 10
CACHE_SECONDS = 600
# Too early in the year a projection says nothing: none before a week has passed.
MIN_ELAPSED_FOR_PROJECTION = dt.timedelta(days=7)


def targets_for(year: int) -> dict[str, float] | None:
    """The SAIDI target of each area class for the year, from the policy (None: no target)."""
    target = active_policy().reliability_target(year)
    return None if target is None else {area: float(getattr(target, area)) for area in AREA_CLASSES}


def year_report(year: int) -> Report:
    """The year's figures from the database, exactly as `manage.py reliability --from-db` computes them."""
    start, end = year_bounds(year)
    return engine.compute_year(
        frames.users_frame(), frames.interruptions_frame(start, end), year, targets=targets_for(year)
    )


@dataclass(frozen=True)
class Ranked:
    """A feeder or transformer by the user-hours its MV users lost in the period."""

    pk: int
    code: str
    name: str
    county: str
    county_name: str
    area_class: str
    feeder_code: str
    users: int
    user_hours: float
    interruptions: int  # merged sustained interruptions summed over its users


@dataclass(frozen=True)
class Month:
    number: int
    start: dt.datetime
    end: dt.datetime
    report: Report


@dataclass
class Dashboard:
    year: int
    start: dt.datetime
    end: dt.datetime  # the year's end, or now for the current year
    partial: bool  # the current year: figures up to `end`
    report: Report
    targets: dict[str, float] | None
    months: list[Month]
    projection: dict[str, float | None] = field(default_factory=dict)
    elapsed_share: float = 1.0
    worst_feeders: list[Ranked] = field(default_factory=list)
    worst_transformers: list[Ranked] = field(default_factory=list)
    open_rows: int = 0  # per-user rows of entered events not restored yet (not counted)


def _whole_minutes(t: dt.datetime) -> dt.datetime:
    """`now` to the minute: the current year's figures (and their cache entry) hold for a minute."""
    return t.replace(second=0, microsecond=0)


def month_bounds(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime(year, month, 1, tzinfo=SHANGHAI)
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=SHANGHAI)
    return start, end


def _state_key(year: int, end: dt.datetime) -> str:
    """The cache key: the period and a fingerprint of the rows it is computed from (any entered,
    imported or restored interruption and any added MV user changes it)."""
    rows = Interruption.objects.aggregate(n=Count("pk"), top=Max("pk"))
    users = MVUser.objects.aggregate(n=Count("pk"), top=Max("pk"))
    return f"reliability:dashboard:{year}:{end.timestamp():.0f}:{rows['n']}:{rows['top']}:{users['n']}:{users['top']}"


def dashboard(year: int, *, now: dt.datetime) -> Dashboard:
    """Everything the dashboard shows for a year, computed once (cached while the data is unchanged).

    For the current year the figures run from Jan 1 to `now` (user-years count the time elapsed),
    with a projection to the year end; for past years they are the full-year figures."""
    start, year_end = year_bounds(year)
    if now < start:
        raise ValueError("the year has not started")
    # In the first minute of a year the period is that minute (engine periods cannot be empty).
    end = min(year_end, max(_whole_minutes(now), start + dt.timedelta(minutes=1)))
    key = _state_key(year, end)
    cached = cache.get(key)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    result = _compute(year, start, end, year_end)
    cache.set(key, result, CACHE_SECONDS)
    return result


def _compute(year: int, start: dt.datetime, end: dt.datetime, year_end: dt.datetime) -> Dashboard:
    targets = targets_for(year)
    users = frames.users_frame()
    rows = frames.interruptions_frame(start, end)
    partial = end < year_end
    report = engine.compute(users, rows, start=start, end=end, targets=targets)
    months = []
    for m in range(1, 13):
        m_start, m_end = month_bounds(year, m)
        if m_start >= end:
            break
        m_end = min(m_end, end)
        # Only the rows that overlap the month (the engine would clip the others to nothing).
        in_month = rows.filter(
            (pl.col("start") < m_end.astimezone(dt.UTC)) & (pl.col("end") > m_start.astimezone(dt.UTC))
        )
        months.append(Month(m, m_start, m_end, engine.compute(users, in_month, start=m_start, end=m_end)))
    board = Dashboard(
        year=year,
        start=start,
        end=end,
        partial=partial,
        report=report,
        targets=targets,
        months=months,
        open_rows=Interruption.objects.filter(end__isnull=True, start__lt=end).count(),
    )
    if partial:
        board.elapsed_share = (end - start) / (year_end - start)
    if partial and end - start >= MIN_ELAPSED_FOR_PROJECTION:
        board.projection = {
            area: None if f.saidi_hours is None else round(f.saidi_hours / board.elapsed_share, 6)
            for area, f in report.by_area.items()
        }
    board.worst_feeders, board.worst_transformers = _worst(users, rows, start, end)
    return board


def _worst(
    users: pl.DataFrame, rows: pl.DataFrame, start: dt.datetime, end: dt.datetime
) -> tuple[list[Ranked], list[Ranked]]:
    per_user = engine.per_user(users, rows, start=start, end=end)
    links = list(MVUser.objects.filter(feeder__isnull=False).values_list("user_id", "feeder_id", "transformer_id"))
    if not links or per_user.is_empty():
        return [], []
    grid = pl.DataFrame(
        links, schema={"user_id": pl.String, "feeder_id": pl.Int64, "transformer_id": pl.Int64}, orient="row"
    )
    joined = per_user.join(grid, on="user_id", how="inner")
    result = []
    for column, model in (("feeder_id", Feeder), ("transformer_id", Transformer)):
        top = (
            joined.filter(pl.col(column).is_not_null())
            .group_by(column)
            .agg(
                pl.len().alias("users"),
                pl.col("sustained_seconds").sum().alias("seconds"),
                pl.col("sustained_count").sum().alias("interruptions"),
            )
            .filter(pl.col("seconds") > 0)
            .sort(["seconds", column], descending=[True, False])
            .head(WORST)
        )
        result.append(_ranked(model, top.rows(named=True), column))
    return result[0], result[1]


def _ranked(model: Any, top: list[dict[str, Any]], column: str) -> list[Ranked]:
    counties = active_policy().counties
    ids = [row[column] for row in top]
    found: dict[int, tuple[Any, str]]
    if model is Feeder:
        found = {f.pk: (f, f.code) for f in Feeder.objects.filter(pk__in=ids)}
    else:
        found = {t.pk: (t, t.feeder.code) for t in Transformer.objects.filter(pk__in=ids).select_related("feeder")}
    out = []
    for row in top:
        obj, feeder_code = found[row[column]]
        out.append(
            Ranked(
                pk=obj.pk,
                code=obj.code,
                name=obj.name,
                county=obj.county_id,
                county_name=counties.get(obj.county_id, obj.county_id),
                area_class=obj.area_class,
                feeder_code=feeder_code,
                users=int(row["users"]),
                user_hours=round(row["seconds"] / 3600, 2),
                interruptions=int(row["interruptions"]),
            )
        )
    return out
