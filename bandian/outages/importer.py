"""Importing §5 outage records (CSV or Parquet): the interruptions file and, optionally, the users
file.

Every row is validated — first by the §5 parser that `manage.py reliability` uses too
(bandian.outages.records), then against the grid — and a bad one is reported as `line N, field F:
reason` (for Parquet, N is the row number counted from 1) and left out; the good ones are
written. Interruptions are upserted by (event_id, user_id), so importing the same file again adds
nothing.

Users: a user already in the grid is checked against it (a difference is reported, the grid is
kept); a user not in the grid is added as an MV user with no feeder. An interruption must name a
user that is in the grid or in the users file given with it.

Recorded (bandian.grid.history): each user added, and one summary row per file with its counts;
interruption rows themselves have no page and no per-row history (an import can hold millions).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bandian.accounts.models import County, User
from bandian.grid import history
from bandian.grid.enums import ChangeAction
from bandian.grid.loaders import LoadReport
from bandian.grid.models import MVUser
from bandian.outages import rationing
from bandian.outages.enums import OutageCause, Source
from bandian.outages.models import Interruption, OutageEvent
from bandian.outages.records import USERS_SCHEMA, InputError, Parsed, parse_interruptions, parse_users

BATCH = 2000
USERS_SCHEMA_COLUMNS = list(USERS_SCHEMA)
MAX_USER_ID = Interruption._meta.get_field("user").target_field.max_length or 40
MAX_EVENT_ID = Interruption._meta.get_field("event_id").max_length or 60


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


class Problems:
    """The problems of one file, the parser's and the importer's, reported in line order."""

    def __init__(self, report: LoadReport) -> None:
        self.report = report
        self.found: list[tuple[int, str, str]] = []
        self.more = 0

    def add(self, line: int | None, column: str | None, reason: str) -> None:
        self.found.append((line or 1, column or "-", reason))

    def parsed(self, parse: Any, data: bytes, name: str) -> pl.DataFrame | None:
        """The good rows of the file (with their line numbers), its problems noted; None when the
        file as a whole cannot be read."""
        try:
            result: Parsed = parse(data, name, lines=True)
        except InputError as exc:
            for problem in exc.problems:
                self.add(problem.line, problem.column, problem.reason)
            return None
        for problem in result.problems:
            self.add(problem.line, problem.column, problem.reason)
        self.more = result.total - len(result.problems)
        return result.frame

    def write(self) -> None:
        for line, column, reason in sorted(self.found, key=lambda p: p[0]):
            self.report.error(line, column, reason)
        if self.more:
            self.report.errors.append(f"and {self.more} more")


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
    problems = Problems(report)
    frame = problems.parsed(parse_users, data, name)
    usable: dict[str, str] = {}
    new: list[MVUser] = []
    if frame is not None:
        known_counties = set(County.objects.values_list("adcode", flat=True))
        grid = {
            u[0]: u
            for u in MVUser.objects.values_list(
                "user_id", "area_class", "county_id", "in_service_from", "in_service_to"
            )
        }
        for user_id, area, county, start, stop, line in frame.iter_rows():
            try:
                if len(user_id) > MAX_USER_ID:
                    raise BadValue("user_id", _("longer than %(n)d characters") % {"n": MAX_USER_ID})
                if county not in known_counties:
                    raise BadValue("county", _("no such county: %(code)s") % {"code": county})
                if counties is not None and county not in counties:
                    raise BadValue("county", _("you may not edit the grid of county %(code)s") % {"code": county})
                existing = grid.get(user_id)
                if existing is not None:
                    for column, ours, theirs in zip(
                        USERS_SCHEMA_COLUMNS[1:], existing[1:], (area, county, start, stop), strict=True
                    ):
                        if ours != theirs:
                            raise BadValue(
                                column,
                                _("the grid has %(value)s") % {"value": ours if ours is not None else _("empty")},
                            )
            except BadValue as exc:
                problems.add(line, exc.column, exc.reason)
                continue
            usable[user_id] = county
            if existing is None:
                new.append(
                    MVUser(
                        user_id=user_id, area_class=area, county_id=county, in_service_from=start, in_service_to=stop
                    )
                )
            else:
                report.updated += 1
    problems.write()
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
        rationed = _import_rows(data, name, counties=counties, report=report)
        history.record_summary(
            Interruption, action=ChangeAction.IMPORT, actor=actor, at=at,
            summary=f"{name}: {report.created} created, {report.updated} updated, {len(report.errors)} rejected",
        )  # fmt: skip
    rationing.check_import(rationed, name)  # in the site's language, not the report's English
    return result


def _import_rows(data: bytes, name: str, *, counties: set[str] | None, report: LoadReport) -> set[str]:
    """Write the good rows; returns the event ids of the rationing rows written."""
    problems = Problems(report)
    frame = problems.parsed(parse_interruptions, data, name)
    if frame is None:
        problems.write()
        return set()
    user_county = dict(MVUser.objects.values_list("user_id", "county_id"))
    entered = set(OutageEvent.objects.values_list("reference", flat=True))
    seen: dict[tuple[str, str], int] = {}
    good: list[tuple[str, str, dt.datetime, dt.datetime, str, str]] = []
    for event_id, user_id, start, end, kind, cause, line in frame.iter_rows():
        try:
            if len(event_id) > MAX_EVENT_ID:
                raise BadValue("event_id", _("longer than %(n)d characters") % {"n": MAX_EVENT_ID})
            if event_id in entered:
                raise BadValue("event_id", _("%(id)s is an event entered in the back office") % {"id": event_id})
            county = user_county.get(user_id)
            if county is None:
                raise BadValue("user_id", _("no such MV user: %(id)s") % {"id": user_id})
            if counties is not None and county not in counties:
                raise BadValue("user_id", _("%(id)s is in county %(county)s") % {"id": user_id, "county": county})
            key = (event_id, user_id)
            if key in seen:
                raise BadValue("user_id", _("this event and user already given on line %(line)d") % {"line": seen[key]})
        except BadValue as exc:
            problems.add(line, exc.column, exc.reason)
            continue
        seen[key] = line
        good.append((event_id, user_id, start, end, kind, cause))
    problems.write()
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
    return {row[0] for row in good if row[5] == OutageCause.RATIONING}


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
