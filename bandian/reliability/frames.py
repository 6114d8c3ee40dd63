"""The database as the reliability engine reads it: the two frames of the contract
(docs/reliability-contract), built straight from a cursor into Polars, never through model
instances.

users_frame(): every MV user. interruptions_frame(start, end): every per-user row overlapping
[start, end). Rows of entered events whose user is not restored yet have no end: they are left out,
unless `ongoing_until` is given, which then stands for their end (a dashboard's "so far").
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from django.db import connection
from django.db.models import Q, QuerySet

from bandian.grid.models import MVUser
from bandian.outages.models import Interruption
from bandian.outages.records import INTERRUPTIONS_SCHEMA, USERS_SCHEMA


def _fetch(query: QuerySet, width: int) -> list[list[Any]]:
    """The query's result as columns of Python values, read through the cursor without Django's
    per-row conversions (SQLite hands back text, PostgreSQL dates/datetimes)."""
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return [[] for _ in range(width)]
    return [list(col) for col in zip(*rows, strict=True)]


def _as_date(name: str, values: list[Any]) -> pl.Series:
    if all(v is None or isinstance(v, dt.date) for v in values):
        return pl.Series(name, values, dtype=pl.Date)
    return pl.Series(name, values, dtype=pl.String).str.to_date("%Y-%m-%d")


def _as_utc(name: str, values: list[Any]) -> pl.Series:
    if all(v is None or isinstance(v, dt.datetime) for v in values):
        # Aware datetimes (PostgreSQL with USE_TZ): Polars keeps the instant.
        return pl.Series(name, values, dtype=pl.Datetime("us", "UTC"))
    # SQLite keeps UTC as text, "YYYY-MM-DD HH:MM:SS[.ffffff]".
    return (
        pl.Series(name, values, dtype=pl.String)
        .str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="us")
        .dt.replace_time_zone("UTC")
    )


def users_frame() -> pl.DataFrame:
    """Every MV user, in the contract's users schema."""
    rows = MVUser.objects.order_by("user_id").values_list(
        "user_id", "area_class", "county_id", "in_service_from", "in_service_to"
    )
    user_id, area_class, county, in_from, in_to = _fetch(rows, 5)
    return pl.DataFrame(
        [
            pl.Series("user_id", user_id, dtype=pl.String),
            pl.Series("area_class", area_class, dtype=pl.String),
            pl.Series("county", county, dtype=pl.String),
            _as_date("in_service_from", in_from),
            _as_date("in_service_to", in_to),
        ],
        schema=USERS_SCHEMA,
    )


def interruptions_frame(
    start: dt.datetime, end: dt.datetime, *, ongoing_until: dt.datetime | None = None
) -> pl.DataFrame:
    """Every per-user interruption row overlapping [start, end), in the contract's schema."""
    rows = Interruption.objects.filter(start__lt=end)
    if ongoing_until is None:
        rows = rows.filter(end__isnull=False, end__gt=start)
    else:
        rows = rows.filter(Q(end__gt=start) | Q(end__isnull=True))
    columns = rows.order_by("user_id", "start").values_list("event_id", "user_id", "start", "end", "kind", "cause")
    event_id, user_id, starts, ends, kind, cause = _fetch(columns, 6)
    frame = pl.DataFrame(
        [
            pl.Series("event_id", event_id, dtype=pl.String),
            pl.Series("user_id", user_id, dtype=pl.String),
            _as_utc("start", starts),
            _as_utc("end", ends),
            pl.Series("kind", kind, dtype=pl.String),
            pl.Series("cause", cause, dtype=pl.String),
        ],
        schema=INTERRUPTIONS_SCHEMA,
    )
    if ongoing_until is not None:
        until = ongoing_until.astimezone(dt.UTC)
        frame = frame.with_columns(pl.col("end").fill_null(pl.lit(until, dtype=pl.Datetime("us", "UTC"))))
    return frame
