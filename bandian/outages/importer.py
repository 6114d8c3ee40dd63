"""Importing §5 outage records (CSV or Parquet): the interruptions file and, optionally, the users
file.

Every row is validated; a bad one is reported as `line N, field F: reason` (for Parquet, N is the
row number counted from 1) and left out; the good ones are written. Interruptions are upserted by
(event_id, user_id), so importing the same file again adds nothing.

Users: a user already in the grid is checked against it (a difference is reported, the grid is
kept); a user not in the grid is added as an MV user with no feeder. An interruption must name a
user that is in the grid or in the users file given with it.

Recorded (bandian.grid.history): each user added, and one summary row per file with its counts;
interruption rows themselves have no page and no per-row history (an import can hold millions).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bandian.accounts.models import County, User
from bandian.core.time import SHANGHAI, SHANGHAI_NAME
from bandian.grid import history
from bandian.grid.enums import AreaClass, ChangeAction
from bandian.grid.loaders import LoadReport
from bandian.grid.models import MVUser
from bandian.outages.enums import OutageCause, OutageKind, Source
from bandian.outages.models import Interruption, OutageEvent

BATCH = 2000
USER_COLUMNS = ["user_id", "area_class", "county", "in_service_from", "in_service_to"]
INTERRUPTION_COLUMNS = ["event_id", "user_id", "start", "end", "kind", "cause"]


class BadValue(Exception):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


@dataclass
class ImportReport:
    users: LoadReport | None = None
    interruptions: LoadReport = field(default_factory=lambda: LoadReport("interruptions"))

    @property
    def errors(self) -> list[str]:
        return (self.users.errors if self.users else []) + self.interruptions.errors


def read_table(data: bytes, name: str, columns: list[str], report: LoadReport) -> tuple[pl.DataFrame, int] | None:
    """The file as a frame (Parquet by name or magic bytes, else CSV as text) and the line number of
    its first row; None when it cannot be read at all (reported)."""
    parquet = name.lower().endswith(".parquet") or data[:4] == b"PAR1"
    try:
        if parquet:
            frame, first = pl.read_parquet(io.BytesIO(data)), 1
        else:
            frame = pl.read_csv(
                io.BytesIO(data), infer_schema=False, encoding="utf8-lossy", truncate_ragged_lines=False
            )
            frame, first = frame.rename({c: c.strip().lstrip("\ufeff") for c in frame.columns}), 2
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        report.error(1, "-", _("cannot read the file: %(why)s") % {"why": str(exc).splitlines()[0][:200]})
        return None
    missing = [c for c in columns if c not in frame.columns]
    for column in missing:
        report.error(1, column, _("missing column"))
    return None if missing else (frame.select(columns), first)  # type: ignore[return-value]


def _text(value: Any, column: str, *, blank: bool = False, max_length: int = 60) -> str:
    text = "" if value is None else str(value).strip()
    if not text and not blank:
        raise BadValue(column, _("required"))
    if len(text) > max_length:
        raise BadValue(column, _("longer than %(n)d characters") % {"n": max_length})
    return text


def _choice(value: Any, column: str, values: list[str]) -> str:
    text = _text(value, column)
    if text not in values:
        raise BadValue(column, _("%(value)r is not one of %(choices)s") % {"value": text, "choices": ", ".join(values)})
    return text


def _date(value: Any, column: str) -> dt.date | None:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadValue(column, _("%(value)r is not a date (YYYY-MM-DD)") % {"value": text}) from None


def _instant(value: Any, column: str) -> dt.datetime:
    """An aware UTC datetime; a time without offset is Asia/Shanghai (requirements §5)."""
    if isinstance(value, dt.datetime):
        at = value
    else:
        text = _text(value, column)
        try:
            at = dt.datetime.fromisoformat(text)
        except ValueError:
            raise BadValue(column, _("%(value)r is not an ISO 8601 time") % {"value": text}) from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=SHANGHAI)
    return at.astimezone(dt.UTC)


def _normalise_times(frame: pl.DataFrame) -> pl.DataFrame:
    """Parquet timestamps: naive ones are Asia/Shanghai; all become UTC Python datetimes later."""
    out = []
    for name in ("start", "end"):
        dtype = frame.schema[name]
        if isinstance(dtype, pl.Datetime):
            col = pl.col(name)
            if dtype.time_zone is None:
                col = col.dt.replace_time_zone(SHANGHAI_NAME, ambiguous="earliest")
            out.append(col.dt.convert_time_zone("UTC"))
    return frame.with_columns(out) if out else frame


def import_users(
    data: bytes,
    name: str,
    *,
    counties: set[str] | None,
    report: LoadReport,
    actor: User | None = None,
    at: dt.datetime | None = None,
) -> dict[str, str]:
    """Add the users file's new users; returns user_id → county of every user given in it that is
    now known (new or matching the grid)."""
    table = read_table(data, name, USER_COLUMNS, report)
    if table is None:
        return {}
    frame, first = table
    known_counties = set(County.objects.values_list("adcode", flat=True))
    grid = {
        u[0]: u
        for u in MVUser.objects.values_list("user_id", "area_class", "county_id", "in_service_from", "in_service_to")
    }
    seen: dict[str, int] = {}
    new: list[MVUser] = []
    usable: dict[str, str] = {}
    for i, row in enumerate(frame.iter_rows()):
        line = first + i
        if all(v is None for v in row):
            continue  # a blank line
        try:
            user_id = _text(row[0], "user_id", max_length=40)
            area = _choice(row[1], "area_class", list(AreaClass.values))
            county = _text(row[2], "county")
            if county not in known_counties:
                raise BadValue("county", _("no such county: %(code)s") % {"code": county})
            if counties is not None and county not in counties:
                raise BadValue("county", _("you may not edit the grid of county %(code)s") % {"code": county})
            start, stop = _date(row[3], "in_service_from"), _date(row[4], "in_service_to")
            if start and stop and stop < start:
                raise BadValue("in_service_to", _("退运日期早于投运日期。"))
            if user_id in seen:
                raise BadValue(
                    "user_id", _("%(code)s already given on line %(line)d") % {"code": user_id, "line": seen[user_id]}
                )
            existing = grid.get(user_id)
            if existing is not None:
                for column, ours, theirs in zip(
                    USER_COLUMNS[1:], existing[1:], (area, county, start, stop), strict=True
                ):
                    if ours != theirs:
                        raise BadValue(
                            column, _("the grid has %(value)s") % {"value": ours if ours is not None else _("empty")}
                        )
        except BadValue as exc:
            report.error(line, exc.column, exc.reason)
            continue
        seen[user_id] = line
        usable[user_id] = county
        if existing is None:
            new.append(
                MVUser(user_id=user_id, area_class=area, county_id=county, in_service_from=start, in_service_to=stop)
            )
        else:
            report.updated += 1
    for i in range(0, len(new), BATCH):
        MVUser.objects.bulk_create(new[i : i + BATCH], ignore_conflicts=True)
    report.created = len(new)
    _record_users(new, name, actor=actor, at=at or timezone.now(), report=report)
    return usable


def _record_users(new: list[MVUser], name: str, *, actor: User | None, at: dt.datetime, report: LoadReport) -> None:
    pks: dict[str, int] = {}
    ids = [u.user_id for u in new]
    for i in range(0, len(ids), 500):
        pks.update(MVUser.objects.filter(user_id__in=ids[i : i + 500]).values_list("user_id", "pk"))
    history.record_many(
        MVUser,
        (
            (pks[u.user_id], u.user_id, ChangeAction.IMPORT, history.diff(None, history.snapshot(u)))
            for u in new
            if u.user_id in pks
        ),
        actor=actor,
        at=at,
        summary=name,
    )
    history.record_summary(
        MVUser, action=ChangeAction.IMPORT, actor=actor, at=at,
        summary=f"{name}: {report.created} users added, {report.updated} checked, {len(report.errors)} rejected",
    )  # fmt: skip


def import_interruptions(
    data: bytes,
    name: str,
    *,
    users: tuple[bytes, str] | None = None,
    counties: set[str] | None = None,
    actor: User | None = None,
    at: dt.datetime | None = None,
) -> ImportReport:
    """Import a §5 interruptions file (and its users file). `counties` limits the users whose rows
    may be written (None: every county); `actor` (None: the command line) and `at` (default now)
    are recorded with the import."""
    at = at or timezone.now()
    result = ImportReport()
    with transaction.atomic(), translation.override("en"):
        if users is not None:
            result.users = LoadReport("users")
            import_users(users[0], users[1], counties=counties, report=result.users, actor=actor, at=at)
        report = result.interruptions
        _import_rows(data, name, counties=counties, report=report)
        history.record_summary(
            Interruption, action=ChangeAction.IMPORT, actor=actor, at=at,
            summary=f"{name}: {report.created} created, {report.updated} updated, {len(report.errors)} rejected",
        )  # fmt: skip
    return result


def _import_rows(data: bytes, name: str, *, counties: set[str] | None, report: LoadReport) -> None:
    table = read_table(data, name, INTERRUPTION_COLUMNS, report)
    if table is None:
        return
    frame, first = table
    frame = _normalise_times(frame)
    user_county = dict(MVUser.objects.values_list("user_id", "county_id"))
    entered = set(OutageEvent.objects.values_list("reference", flat=True))
    kinds, causes = list(OutageKind.values), list(OutageCause.values)
    seen: dict[tuple[str, str], int] = {}
    good: list[tuple[str, str, dt.datetime, dt.datetime, str, str]] = []
    for i, row in enumerate(frame.iter_rows()):
        line = first + i
        if all(v is None for v in row):
            continue  # a blank line
        try:
            event_id = _text(row[0], "event_id")
            if event_id in entered:
                raise BadValue("event_id", _("%(id)s is an event entered in the back office") % {"id": event_id})
            user_id = _text(row[1], "user_id", max_length=40)
            county = user_county.get(user_id)
            if county is None:
                raise BadValue("user_id", _("no such MV user: %(id)s") % {"id": user_id})
            if counties is not None and county not in counties:
                raise BadValue("user_id", _("%(id)s is in county %(county)s") % {"id": user_id, "county": county})
            start, end = _instant(row[2], "start"), _instant(row[3], "end")
            kind = _choice(row[4], "kind", kinds)
            cause = _choice(row[5], "cause", causes)
            key = (event_id, user_id)
            if key in seen:
                raise BadValue("user_id", _("this event and user already given on line %(line)d") % {"line": seen[key]})
        except BadValue as exc:
            report.error(line, exc.column, exc.reason)
            continue
        seen[key] = line
        good.append((event_id, user_id, start, end, kind, cause))
    event_ids = sorted({k[0] for k in seen})
    existing = 0
    for i in range(0, len(event_ids), 500):
        chunk = event_ids[i : i + 500]
        existing += sum(
            1
            for pair in Interruption.objects.filter(event_id__in=chunk).values_list("event_id", "user_id")
            if pair in seen
        )
    report.updated = existing
    report.created = len(good) - existing
    _upsert(good)


def _upsert(rows: list[tuple[str, str, dt.datetime, dt.datetime, str, str]]) -> None:
    """INSERT … VALUES (…), (…) ON CONFLICT DO UPDATE: the same statement on SQLite and PostgreSQL,
    many rows a statement, no model instances (they cost most of an import's time)."""
    table = connection.ops.quote_name(Interruption._meta.db_table)
    if connection.vendor == "postgresql":
        _upsert_by_copy(table, rows)
        return
    limit = connection.features.max_query_params or 7000
    batch = max(1, min(1000, limit // 7))
    adapt = connection.ops.adapt_datetimefield_value
    source = Source.IMPORTED.value
    with connection.cursor() as cursor:
        for i in range(0, len(rows), batch):
            chunk = rows[i : i + batch]
            sql = (
                f'INSERT INTO {table} (event_id, user_id, start, "end", kind, cause, source) VALUES '  # noqa: S608
                + ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
                + ' ON CONFLICT (event_id, user_id) DO UPDATE SET start = excluded.start, "end" = excluded."end", '
                "kind = excluded.kind, cause = excluded.cause, source = excluded.source"
            )
            params: list[Any] = []
            for e, u, s, t, k, c in chunk:
                params += (e, u, adapt(s), adapt(t), k, c, source)
            cursor.execute(sql, params)


def _upsert_by_copy(table: str, rows: list[tuple[str, str, dt.datetime, dt.datetime, str, str]]) -> None:
    """PostgreSQL: COPY into a temporary table, then one INSERT … SELECT … ON CONFLICT."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS import_interruptions")
        cursor.execute(
            "CREATE TEMPORARY TABLE import_interruptions (event_id varchar(60), user_id varchar(40), "
            'start timestamptz, "end" timestamptz, kind varchar(10), cause varchar(10)) ON COMMIT DROP'
        )
        raw = cursor.cursor  # the driver's cursor: Django's wrapper has no copy()
        with raw.copy('COPY import_interruptions (event_id, user_id, start, "end", kind, cause) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f'INSERT INTO {table} (event_id, user_id, start, "end", kind, cause, source) '  # noqa: S608
            'SELECT event_id, user_id, start, "end", kind, cause, %s FROM import_interruptions '
            'ON CONFLICT (event_id, user_id) DO UPDATE SET start = excluded.start, "end" = excluded."end", '
            "kind = excluded.kind, cause = excluded.cause, source = excluded.source",
            [Source.IMPORTED.value],
        )
        cursor.execute("DROP TABLE import_interruptions")
