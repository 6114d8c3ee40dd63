"""Small builders for the engine's two frames."""

from __future__ import annotations

import datetime as dt

import polars as pl

from bandian.core.time import year_bounds
from bandian.outages.records import INTERRUPTIONS_SCHEMA, USERS_SCHEMA
from bandian.reliability import engine

CST = dt.timezone(dt.timedelta(hours=8))


def at(*args: int) -> dt.datetime:
    """An instant given in Asia/Shanghai time."""
    return dt.datetime(*args, tzinfo=CST)  # type: ignore[misc]


def users(*rows: tuple) -> pl.DataFrame:
    """(user_id, area_class, county[, in_service_from[, in_service_to]]) tuples."""
    padded = [(*r, *([None] * (5 - len(r)))) for r in rows]
    return pl.DataFrame(padded, schema=USERS_SCHEMA, orient="row")


def interruptions(*rows: tuple) -> pl.DataFrame:
    """(user_id, start, end[, kind[, cause]]) tuples; kind fault and cause internal by default."""
    full = []
    for i, r in enumerate(rows):
        user_id, start, end, *rest = r
        kind = rest[0] if rest else "fault"
        cause = rest[1] if len(rest) > 1 else "internal"
        full.append((f"E{i}", user_id, start, end, kind, cause))
    return pl.DataFrame(full, schema=INTERRUPTIONS_SCHEMA, orient="row")


def per_user(u: pl.DataFrame, i: pl.DataFrame, year: int) -> dict[str, dict]:
    start, end = year_bounds(year)
    return {r["user_id"]: r for r in engine.per_user(u, i, start=start, end=end).iter_rows(named=True)}
