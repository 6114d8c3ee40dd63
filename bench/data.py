"""The benchmark data set: 100,000 applications with 1,000,000 hash-chained events.

Deterministic (a seeded generator over fixed dates, every receipt time fixed), so every run
builds the same rows with the same hashes. The rows are written in bulk (COPY on PostgreSQL,
executemany on SQLite), not through the services: that is what makes 10^6 events take a minute
instead of an hour. They are still what the services would have written: each event's hash is
computed with `bandian.applications.timeline` exactly as `services.build_event` computes it, and
each application's stored status, stage and deadlines come from the pure `compute_clocks`.

Shape: every application has 10 events. 98% are energised in BENCH_YEAR (the compliance
report's year), 1% were withdrawn that year, 1% are still running in the following year.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction

from bandian.applications import progress
from bandian.applications.clocks import TimelineEvent, compute_clocks
from bandian.applications.models import Application, Event
from bandian.applications.timeline import GENESIS, chain_hash, event_content
from bandian.core.time import SHANGHAI
from bandian.policy.loader import active_policy
from bandian.workdays.selectors import get_calendar

BENCH_YEAR = 2025
SEED = 100_000
EVENTS_PER_APPLICATION = 10
# "Now" for the applications still running: their stored deadlines are derived at this instant.
BENCH_NOW = dt.datetime(2026, 11, 20, 12, tzinfo=SHANGHAI)
COUNTIES = [
    "522601",
    "522622",
    "522623",
    "522624",
    "522625",
    "522626",
    "522627",
    "522628",
    "522629",
    "522630",
    "522631",
    "522632",
    "522633",
    "522634",
    "522635",
    "522636",
]
CLASSES = [("residential", 40), ("lv_sanling", 25), ("lv_general", 15), ("hv_single", 12), ("hv_dual", 8)]
PAUSE_REASONS = ["customer_not_ready", "customer_requested_date", "customer_works", "awaiting_document"]

# Ten events each. (type, stage); "P" is a pause with a drawn reason.
ENERGISED_3 = [
    ("submitted", ""),
    ("assigned", ""),
    ("stage_completed", "apply"),
    ("approval_started", ""),
    ("approval_completed", ""),
    ("P", ""),
    ("resumed", ""),
    ("stage_completed", "plan"),
    ("visit", ""),
    ("stage_completed", "connect"),
]
ENERGISED_2 = [
    ("submitted", ""),
    ("assigned", ""),
    ("stage_completed", "apply"),
    ("P", ""),
    ("resumed", ""),
    ("approval_started", ""),
    ("approval_completed", ""),
    ("P", ""),
    ("resumed", ""),
    ("stage_completed", "connect"),
]
WITHDRAWN = [
    ("submitted", ""),
    ("assigned", ""),
    ("stage_completed", "apply"),
    ("P", ""),
    ("resumed", ""),
    ("visit", ""),
    ("P", ""),
    ("resumed", ""),
    ("visit", ""),
    ("withdrawn", ""),
]
RUNNING = [
    ("submitted", ""),
    ("assigned", ""),
    ("stage_completed", "apply"),
    ("P", ""),
    ("resumed", ""),
    ("visit", ""),
    ("P", ""),
    ("resumed", ""),
    ("approval_started", ""),
    ("approval_completed", ""),
]


@dataclass(frozen=True)
class Generated:
    applications: int
    events: int
    seconds: float


def application_no(i: int) -> str:
    return f"BENCH-{i:06d}"


def phone(i: int) -> str:
    return f"139{(i * 7919) % 10**8:08d}"


def _submission(rng: random.Random, lo: dt.date, days: int) -> dt.datetime:
    day = lo + dt.timedelta(days=rng.randrange(days))
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return dt.datetime(day.year, day.month, day.day, rng.randrange(8, 17), rng.randrange(60), tzinfo=SHANGHAI)


def _plan(i: int, rng: random.Random) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One application's fields and its events (without hashes)."""
    customer_class = rng.choices([c for c, _ in CLASSES], weights=[w for _, w in CLASSES])[0]
    three = customer_class in ("lv_general", "hv_single", "hv_dual")
    draw = rng.random()
    if draw < 0.98:
        shape = ENERGISED_3 if three else ENERGISED_2
        at = _submission(rng, dt.date(BENCH_YEAR, 1, 2), 315)
    elif draw < 0.99:
        shape = WITHDRAWN
        at = _submission(rng, dt.date(BENCH_YEAR, 1, 2), 315)
    else:
        shape = RUNNING
        at = _submission(rng, dt.date(BENCH_YEAR + 1, 9, 1), 60)
    high = customer_class.startswith("hv")
    capacity = Decimal(rng.choice([8, 10, 16])) if customer_class == "residential" else Decimal(rng.randrange(20, 160))
    if high:
        capacity = Decimal(rng.randrange(400, 4000))
    fields = {
        "id": i,
        "no": application_no(i),
        "applicant_ref": hashlib.sha256(f"bench-applicant-{i}".encode()).hexdigest(),
        "applicant_name": f"用户{i}",
        "phone": phone(i),
        "customer_class": customer_class,
        "county_id": COUNTIES[i % len(COUNTIES)],
        "urban": rng.random() < 0.6,
        "address": f"凯里市测试路 {i} 号",
        "capacity_kw": capacity,
        "voltage_kv": Decimal("10") if high else Decimal("0.22" if customer_class == "residential" else "0.4"),
        "channel": "import",
        "imported": True,
        "zero_investment": customer_class == "lv_sanling",
    }
    documents = active_policy().classes[customer_class].documents  # type: ignore[index]
    events: list[dict[str, Any]] = []
    for seq, (kind, stage) in enumerate(shape, start=1):
        if seq > 1:
            at += dt.timedelta(minutes=rng.randrange(30, 40 * 60))
        reason = ""
        if kind == "P":
            kind, reason = "paused", rng.choice(PAUSE_REASONS)
        data: dict[str, Any] = {}
        if kind == "submitted":
            data = {
                "customer_class": customer_class,
                "zero_investment": fields["zero_investment"],
                "rule": "",
                "restart_of": None,
                "documents": list(documents),
                "channel": "import",
                "imported": True,
            }
        elif kind == "assigned":
            data = {"customer_manager": None, "project_manager": None}
        events.append(
            {
                "seq": seq,
                "type": kind,
                "stage": stage,
                "reason": reason,
                "note": "客户原因" if kind == "paused" else "",
                "occurred_at": at,
                # The server received each event a minute after it happened.
                "received_at": at + dt.timedelta(minutes=1),
                "data": data,
            }
        )
    return fields, events


def _chain(fields: dict[str, Any], events: list[dict[str, Any]]) -> None:
    """Hash the events exactly as services.build_event does, and set the application's head."""
    prev = GENESIS
    for ev in events:
        content = event_content(
            application_no=fields["no"],
            application_id=fields["id"],
            seq=ev["seq"],
            type=ev["type"],
            stage=ev["stage"],
            reason=ev["reason"],
            note=ev["note"],
            evidence="",
            evidence_sha256="",
            actor_id=None,
            occurred_at=ev["occurred_at"],
            received_at=ev["received_at"],
            device_at=None,
            device_id="",
            backfilled=False,
            data=ev["data"],
            prev_hash=prev,
        )
        ev["prev_hash"] = prev
        ev["hash"] = prev = chain_hash(prev, content)
    fields["event_count"] = len(events)
    fields["head_hash"] = prev


def _derive(fields: dict[str, Any], events: list[dict[str, Any]]) -> None:
    """Status, stage and deadlines from the timeline, as services._derive stores them."""
    policy = active_policy()
    rule = policy.classes[fields["customer_class"]]
    submitted = events[0]["occurred_at"]
    limit = policy.limit_for(fields["customer_class"], submitted.astimezone(SHANGHAI).date())
    clocks = compute_clocks(
        [TimelineEvent(e["type"], e["occurred_at"], e["stage"], e["reason"]) for e in events],
        cal=get_calendar(),
        steps=rule.steps,
        step_limits=limit.steps,
        limit_clock=rule.clock,
        now=BENCH_NOW,
    )
    fields.update(
        policy_name=policy.policy.name,
        status=clocks.status,
        current_stage=clocks.current_stage,
        submitted_at=clocks.submitted_at,
        energised_at=clocks.energised_at,
        closed_at=clocks.energised_at or clocks.closed_at,
        stage_due_at=clocks.stage_due_at,
        due_at=clocks.due_at,
        created_at=submitted - dt.timedelta(minutes=10),
        updated_at=events[-1]["received_at"],
    )
    # The public progress query's stored answer, as services.refresh_progress_summary writes it.
    fields["progress_key"], fields["progress_answer"] = progress.summary(
        policy,
        no=fields["no"],
        completed={e["stage"] for e in events if e["type"] == "stage_completed"},
        customer_class=fields["customer_class"],
        county=fields["county_id"],
        status=fields["status"],
        stage=fields["current_stage"],
        submitted_at=fields["submitted_at"],
        clock_started_at=None,
        stage_due_at=fields["stage_due_at"],
        due_at=fields["due_at"],
        energised_at=fields["energised_at"],
    )


def generate(n: int, *, seed: int = SEED) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    rng = random.Random(seed)
    for i in range(1, n + 1):
        fields, events = _plan(i, rng)
        _chain(fields, events)
        _derive(fields, events)
        yield fields, events


def expected_head(i: int, *, seed: int = SEED) -> str:
    """The head hash application i gets (cheap for the first few: used to recognise the set)."""
    for fields, _events in generate(i, seed=seed):
        if fields["id"] == i:
            return str(fields["head_hash"])
    raise ValueError(i)


def expected_progress_key(i: int, *, seed: int = SEED) -> str:
    for fields, _events in generate(i, seed=seed):
        if fields["id"] == i:
            return str(fields["progress_key"])
    raise ValueError(i)


# Writing.


def _preparer(field: models.Field, vendor: str) -> Callable[[Any], Any]:  # type: ignore[type-arg]
    if isinstance(field, models.JSONField):
        return lambda v: json.dumps(v, ensure_ascii=False)
    if vendor == "postgresql":
        return lambda v: v
    if isinstance(field, models.DateTimeField):
        return lambda v: connection.ops.adapt_datetimefield_value(v)
    if isinstance(field, models.DecimalField):
        return lambda v: None if v is None else str(v)
    return lambda v: v


class _Writer:
    """Rows for one model, completed with each field's default, in the model's column order."""

    def __init__(self, model: type[models.Model]) -> None:
        self.table = model._meta.db_table
        self.fields = list(model._meta.concrete_fields)
        self.columns = [f.column for f in self.fields]
        self.defaults = {f.attname: f.get_default() for f in self.fields}
        self.prep = [_preparer(f, connection.vendor) for f in self.fields]

    def row(self, values: dict[str, Any]) -> tuple[Any, ...]:
        out = []
        for f, prep in zip(self.fields, self.prep, strict=True):
            out.append(prep(values[f.attname] if f.attname in values else self.defaults[f.attname]))
        return tuple(out)

    def write(self, rows: Sequence[tuple[Any, ...]]) -> None:
        cols = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                raw = cursor.cursor  # the psycopg cursor under Django's wrapper
                with raw.copy(f"COPY {self.table} ({cols}) FROM STDIN") as copy:
                    for r in rows:
                        copy.write_row(r)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(f"INSERT INTO {self.table} ({cols}) VALUES ({marks})", rows)


def build(n: int, *, progress: Callable[[str], None] = print, chunk: int = 5000) -> Generated:
    """Write n applications with their events into an empty database, in chunks."""
    started = time.monotonic()
    apps_w, events_w = _Writer(Application), _Writer(Event)
    total_events = 0
    app_rows: list[tuple[Any, ...]] = []
    event_rows: list[tuple[Any, ...]] = []
    event_id = 0

    def flush() -> None:
        with transaction.atomic():
            apps_w.write(app_rows)
            events_w.write(event_rows)
        app_rows.clear()
        event_rows.clear()

    for fields, events in generate(n):
        app_rows.append(apps_w.row(fields))
        for ev in events:
            event_id += 1
            ev.update(id=event_id, application_id=fields["id"])
            event_rows.append(events_w.row(ev))
        total_events += len(events)
        if len(app_rows) >= chunk:
            flush()
            if fields["id"] % 20_000 == 0:
                progress(f"  {fields['id']:,} applications, {total_events:,} events written")
    if app_rows:
        flush()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in (apps_w.table, events_w.table):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
                cursor.execute(f"ANALYZE {table}")
        else:
            cursor.execute("ANALYZE")
    return Generated(n, total_events, time.monotonic() - started)
