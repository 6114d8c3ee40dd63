"""Checking every application's hash chain, and the daily anchor over all chain heads.

`verify_all()` streams every event in one ordered query (tuples, no model instances), recomputes
each hash with hashlib and compares it, the linkage (`seq`, `prev_hash`) and the application's
recorded head (`event_count`, `head_hash`). On a large database the applications are split into
id ranges scanned by one process per core, each with its own query. The application's head
columns come from the same statement as its events, so one consistent snapshot is compared even
while the system is in use; an application that looks wrong is checked once more on its own
before it is reported, so a chain that grew during the pass is not reported.

It also checks the latest `ChainAnchor`: recomputing the digest over the heads as they were
when the anchor was taken (the last event of each chain with `id <= last_event_id`) catches a
history rewritten wholesale (events and heads recomputed with plausible hashes) before the
anchor, which no check inside the database alone could.

`record_anchor()` records today's anchor (Asia/Shanghai), once per day.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, connections, transaction
from django.db.models import Count, Func, Max, Sum, TextField
from django.utils import timezone

from bandian.applications.models import Application, ChainAnchor, Event
from bandian.applications.timeline import (
    EVENT_COLUMNS,
    GENESIS,
    canonical_list,
    chain_break,
    db_data,
    db_instant,
    head_problem,
    heads_digest,
)
from bandian.core.time import SHANGHAI
from bandian.forking import fork_pool

# Every stored column of Event, in the order the stream reads them. `id` is read to place events
# against an anchor; it is not hashed (it is the database's, and a restore may renumber it).
_EVENT_COLUMNS = (
    "application_id",
    "application__no",
    "application__event_count",
    "application__head_hash",
    "id",
    *EVENT_COLUMNS[1:],
)
_INSTANTS = ("occurred_at", "received_at", "device_at")
# The fields of Event the hash covers; a test keeps this equal to the model's fields.
HASHED_FIELDS = frozenset(_EVENT_COLUMNS[5:-1]) | {"application_id"}

CHUNK_SIZE = 20_000
RECHECK_AT_MOST = 1_000
# Scanning in several processes pays from about this many events on.
PARALLEL_FROM_EVENTS = 200_000
MAX_WORKERS = 4
ALL_EVENTS_MISSING = "all its events are missing"

Problem = tuple[str, str]


@dataclass
class Report:
    """What a verification found: counts, and (application number or anchor, problem) pairs."""

    applications: int = 0
    events: int = 0
    problems: list[Problem] = field(default_factory=list)
    anchor: ChainAnchor | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Chain:
    """The state of one application's chain while its events stream past."""

    app_id: int
    no: str
    event_count: int
    head_hash: str
    n: int = 0
    prev: str = GENESIS
    problem: str | None = None
    anchored_head: str | None = None

    def finish(self) -> str | None:
        if self.problem is not None:
            return self.problem
        return head_problem(self.n, self.prev, event_count=self.event_count, head_hash=self.head_hash)


class _InstantText(Func):
    """A stored instant as text: on PostgreSQL formatted by the server exactly as the canonical
    content writes it (the server's work runs beside ours, on another core), on SQLite the text
    it stores (naive UTC). `timeline.db_instant` accepts both."""

    output_field = TextField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template=f"to_char(%(expressions)s AT TIME ZONE 'UTC', '{_PG_ISO}')")

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="CAST(%(expressions)s AS text)")


_PG_ISO = 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'


def _stream(
    app_id: int | None = None,
    chunk_size: int = CHUNK_SIZE,
    *,
    from_id: int | None = None,
    below_id: int | None = None,
) -> Iterator[tuple[Any, ...]]:
    """Every event (of one application, or of a range of application ids) in (application, seq)
    order: one query, read in chunks.

    The rows are read straight from the driver (Django's per-value converters cost more than
    the hashing); `db_instant` and `db_data` bring the values to their canonical form.
    """
    qs = Event.objects.order_by("application_id", "seq")
    if app_id is not None:
        qs = qs.filter(application_id=app_id)
    if from_id is not None:
        qs = qs.filter(application_id__gte=from_id)
    if below_id is not None:
        qs = qs.filter(application_id__lt=below_id)
    columns: list[str] = list(_EVENT_COLUMNS)
    if connection.vendor in ("sqlite", "postgresql"):
        # The instants as text: the drivers' parsing them into datetimes (in Python) and our
        # formatting them again would cost more than everything else together.
        qs = qs.annotate(**{f"{name}_text": _InstantText(name) for name in _INSTANTS})
        columns = [f"{name}_text" if name in _INSTANTS else name for name in columns]
    sql, params = qs.values_list(*columns).query.sql_with_params()
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk_size):
            yield from rows


def _check(
    rows: Iterable[tuple[Any, ...]], *, anchor_id: int | None, on_chain: Callable[[_Chain], None]
) -> tuple[int, int]:
    """Walk the rows (in application, seq order), calling `on_chain` for every finished chain.

    The hot loop builds the canonical content list directly, in `CONTENT_FIELDS` order; every
    test that verifies a real chain checks it against `timeline.event_content`.
    """
    sha256 = hashlib.sha256
    encode = canonical_list
    instant = db_instant
    plain_data = db_data
    applications = events = 0
    chain: _Chain | None = None
    for (
        app_id,
        no,
        event_count,
        head_hash,
        event_id,
        seq,
        type_,
        stage,
        reason,
        note,
        evidence,
        evidence_sha256,
        actor_id,
        occurred_at,
        received_at,
        device_at,
        device_id,
        backfilled,
        data,
        prev_hash,
        hash_,
    ) in rows:
        events += 1
        if chain is None or app_id != chain.app_id:
            if chain is not None:
                on_chain(chain)
            applications += 1
            chain = _Chain(app_id, no, event_count, head_hash)
        if anchor_id is not None and event_id <= anchor_id:
            chain.anchored_head = hash_
        if chain.problem is not None:
            continue
        chain.n += 1
        n = chain.n
        if seq != n:
            chain.problem = chain_break(n, seq)
            continue
        prev = chain.prev
        if prev_hash != prev:
            chain.problem = f"event {n} does not follow event {n - 1} (its previous hash differs)"
            continue
        # The order of CONTENT_FIELDS.
        content = encode(
            [
                actor_id,
                no,
                app_id,
                bool(backfilled),
                plain_data(data),
                instant(device_at),
                device_id,
                evidence,
                evidence_sha256,
                note,
                instant(occurred_at),
                prev_hash,
                reason,
                instant(received_at),
                seq,
                stage,
                type_,
            ]
        )
        if sha256(f"{prev}\n{content}".encode()).hexdigest() != hash_:
            chain.problem = f"event {n} was changed after it was recorded (its hash does not match its content)"
            continue
        chain.prev = hash_
    if chain is not None:
        on_chain(chain)
    return applications, events


def _reading() -> AbstractContextManager[Any]:
    """On PostgreSQL a transaction, so that the server-side cursor streams (a cursor outside one
    must be held, which copies the whole result first). On SQLite none: Django opens its
    transactions there with the write lock (IMMEDIATE), which would stop every writer meanwhile."""
    return transaction.atomic() if connection.vendor == "postgresql" else nullcontext()


def _verify_one(app: Application) -> str | None:
    """One application's chain, its head and events read in one statement (a consistent view)."""
    found: list[str | None] = []
    _check(_stream(app.pk), anchor_id=None, on_chain=lambda chain: found.append(chain.finish()))
    if found:
        return found[0]
    app.refresh_from_db(fields=["event_count", "head_hash"])
    if app.event_count:
        return ALL_EVENTS_MISSING
    return head_problem(0, GENESIS, event_count=app.event_count, head_hash=app.head_hash)


@dataclass
class _Part:
    """What the scan of one range of applications found."""

    applications: int = 0
    events: int = 0
    seen: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    anchored: list[tuple[str, str]] = field(default_factory=list)


def _scan(from_id: int | None, below_id: int | None, anchor_id: int | None, chunk_size: int) -> _Part:
    part = _Part()

    def on_chain(chain: _Chain) -> None:
        part.seen.append(chain.app_id)
        problem = chain.finish()
        if problem is not None:
            part.failed[chain.app_id] = problem
        if chain.anchored_head is not None:
            part.anchored.append((chain.no, chain.anchored_head))

    with _reading():
        part.applications, part.events = _check(
            _stream(chunk_size=chunk_size, from_id=from_id, below_id=below_id),
            anchor_id=anchor_id,
            on_chain=on_chain,
        )
    return part


def _scan_in_child(args: tuple[int | None, int | None, int | None, int]) -> _Part:
    try:
        return _scan(*args)
    finally:
        connections.close_all()


def _scan_in_parallel(anchor_id: int | None, chunk_size: int, workers: int | None) -> list[_Part] | None:
    """Split the applications into id ranges of about equal events, one process each; None when
    one process is the better choice (few events, one core, or inside a transaction, whose
    uncommitted rows other connections could not see)."""
    workers = workers or min(os.cpu_count() or 1, MAX_WORKERS)
    if workers < 2 or connection.in_atomic_block or connection.vendor not in ("sqlite", "postgresql"):
        return None
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    if connection.vendor == "sqlite" and connection.is_in_memory_db():  # type: ignore[attr-defined]
        return None  # each process would have its own
    apps = Application.objects.filter(event_count__gt=0)
    total = apps.count()
    if (apps.aggregate(events=Sum("event_count"))["events"] or 0) < PARALLEL_FROM_EVENTS:
        return None
    ids = apps.order_by("pk").values_list("pk", flat=True)
    bounds: list[int | None] = [None, *(ids[total * k // workers] for k in range(1, workers)), None]
    ranges = [(bounds[k], bounds[k + 1], anchor_id, chunk_size) for k in range(workers)]
    with fork_pool(workers) as pool:
        return pool.map(_scan_in_child, ranges)


def verify(*, application_no: str | None = None, chunk_size: int = CHUNK_SIZE, workers: int | None = None) -> Report:
    """Check every application's chain (or one's), and the latest anchor when checking all.

    `workers`: processes to scan with (default: one per core, at most MAX_WORKERS, for large
    databases; 1 forces a single process). Raises Application.DoesNotExist for an unknown
    `application_no`.
    """
    report = Report()
    if application_no is not None:
        app = Application.objects.get(no=application_no)
        report.applications = 1
        report.events = app.event_count
        problem = _verify_one(app)
        if problem:
            report.problems.append((app.no, problem))
        return report

    anchor = ChainAnchor.objects.order_by("-day").first()
    report.anchor = anchor
    anchor_id = anchor.last_event_id if anchor is not None else None
    parts = _scan_in_parallel(anchor_id, chunk_size, workers) if workers != 1 else None
    if parts is None:
        parts = [_scan(None, None, anchor_id, chunk_size)]
    seen: set[int] = set()
    failed: dict[int, str] = {}
    anchored: list[tuple[str, str]] = []
    for part in parts:
        report.applications += part.applications
        report.events += part.events
        seen.update(part.seen)
        failed.update(part.failed)
        anchored.extend(part.anchored)
    suspects = set(failed)
    # Applications with a recorded head but no events at all in the stream (all deleted?).
    for pk in Application.objects.filter(event_count__gt=0).values_list("pk", flat=True).iterator(chunk_size):
        if pk not in seen:
            suspects.add(pk)
            report.applications += 1
    # Re-check the suspects one by one: a chain that grew during the pass verifies now. (When
    # very many fail, that is no race: report them as found.)
    recheck = len(suspects) <= RECHECK_AT_MOST
    for app in Application.objects.filter(pk__in=suspects).order_by("no"):
        problem = _verify_one(app) if recheck else failed.get(app.pk, ALL_EVENTS_MISSING)
        if problem is not None:
            report.problems.append((app.no, problem))

    if anchor is not None:
        anchored.sort()
        digest = heads_digest(anchored)
        if digest != anchor.digest or len(anchored) != anchor.applications:
            report.problems.append(
                (
                    f"anchor {anchor.day.isoformat()}",
                    f"the chain heads as they were when the anchor was taken ({len(anchored)} applications) "
                    f"hash to {digest}, not to the recorded {anchor.digest} ({anchor.applications} applications): "
                    "history before the anchor was changed",
                )
            )
    return report


def verify_all(*, chunk_size: int = CHUNK_SIZE, workers: int | None = None) -> list[Problem]:
    """Every application whose chain does not verify (and the latest anchor, if it does not match),
    as (application number, what is wrong) pairs; empty when everything verifies."""
    return verify(chunk_size=chunk_size, workers=workers).problems


# The daily anchor.


def shanghai_today(now: dt.datetime | None = None) -> dt.date:
    return (now or timezone.now()).astimezone(SHANGHAI).date()


def _heads() -> Iterator[tuple[str, str]]:
    return (
        Application.objects.filter(event_count__gt=0)
        .order_by("no")
        .values_list("no", "head_hash")
        .iterator(chunk_size=CHUNK_SIZE)
    )


def record_anchor(*, now: dt.datetime | None = None) -> tuple[ChainAnchor, bool]:
    """Record today's anchor (Asia/Shanghai day) unless it exists: (anchor, created).

    While the digest is computed no application may change: on PostgreSQL the application table
    is locked against writers (readers go on); on SQLite the transaction holds the write lock.
    So the heads, the counts and `last_event_id` describe one moment exactly.
    """
    day = shanghai_today(now)
    existing = ChainAnchor.objects.filter(day=day).first()
    if existing is not None:
        return existing, False
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {Application._meta.db_table} IN EXCLUSIVE MODE")
        existing = ChainAnchor.objects.filter(day=day).first()
        if existing is not None:
            return existing, False
        totals = Application.objects.filter(event_count__gt=0).aggregate(
            applications=Count("pk"), events=Sum("event_count")
        )
        last_event_id = Event.objects.aggregate(last=Max("id"))["last"] or 0
        anchor = ChainAnchor.objects.create(
            day=day,
            digest=heads_digest(_heads()),
            applications=totals["applications"] or 0,
            events=totals["events"] or 0,
            last_event_id=last_event_id,
        )
    return anchor, True
