"""The compliance report (requirements §5): every application energised in a year, on its clocks.

An application belongs to the year in which it was energised, in Asia/Shanghai (§4). Native and
imported applications are read alike, from their timelines: the events of the whole year come
in one ordered query and each application's clocks are computed by the pure
`bandian.applications.clocks.compute_clocks`, as for every other figure in bandian.

Figures and their rounding:

- working days (`*_workdays`) are rounded to 3 decimals (a working day is 24 h of working time,
  so 0.001 is under 90 seconds); `within_limit` compares the unrounded figure on the class's
  limit clock with the limit in force on the day of (first) submission;
- `steps` is the number of steps completed, `documents` the documents on record (uploaded, or
  listed by an imported record), `visits` the in-person visits recorded; `visits_limit` is null
  for a class the plan sets no visit limit for;
- per class (`by_class`, every class of the policy, in its order): `mean_workdays`,
  `p90_workdays` and `max_workdays` are on the class's limit clock, rounded to 3 decimals;
  p90 is the nearest-rank 90th percentile: the value at rank ceil(0.9 × n) of the sorted
  figures, so always one of the applications' own figures; `within_limit_share` is rounded to
  4 decimals. A class without applications has count 0 and nulls. `limits_workdays` lists the
  limits in force for the class's applications (it changes with the submission date).
"""

from __future__ import annotations

import datetime as dt
import math
import multiprocessing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby
from operator import attrgetter, itemgetter
from typing import Any

from django.core.cache import cache
from django.db import connection, connections
from django.db.models import Count, F
from django.db.models.expressions import RawSQL

from bandian.applications.clocks import TimelineEvent, compute_clocks
from bandian.applications.enums import INTERCHANGE_TYPES, EventType
from bandian.applications.models import Application, Document, Event
from bandian.core.time import SHANGHAI, year_bounds
from bandian.forking import fork_pool
from bandian.policy.loader import active_policy
from bandian.policy.schema import Policy
from bandian.workdays.calendar import WorkCalendar
from bandian.workdays.selectors import get_calendar

FIELDS = (
    "no",
    "customer_class",
    "full_process_workdays",
    "utility_workdays",
    "approval_workdays",
    "limit_workdays",
    "limit_clock",
    "within_limit",
    "steps",
    "steps_limit",
    "documents",
    "documents_limit",
    "visits",
    "visits_limit",
    "zero_investment",
    "restart_of",
)
CLASS_FIELDS = ("count", "mean_workdays", "p90_workdays", "max_workdays", "within_limit_share")
DECIMALS = 3
_fields_of = attrgetter(*FIELDS)
EVENT_CHUNK = 20_000
CLOCK_TYPES = sorted(str(t) for t in INTERCHANGE_TYPES)
# Below this many applications a year is computed in-process whatever `jobs` says.
PARALLEL_FROM = 20_000


@dataclass(frozen=True)
class ApplicationFigures:
    """One line of the report, plus what the page needs to rank the worst cases."""

    no: str
    customer_class: str
    full_process_workdays: float
    utility_workdays: float
    approval_workdays: float
    limit_workdays: int
    limit_clock: str
    within_limit: bool
    steps: int
    steps_limit: int
    documents: int
    documents_limit: int
    visits: int
    visits_limit: int | None
    zero_investment: bool
    restart_of: str | None
    used_workdays: float  # on the limit clock, unrounded

    @property
    def limit_share(self) -> float:
        """The share of the limit used (1.0 = the whole limit)."""
        return self.used_workdays / self.limit_workdays if self.limit_workdays else math.inf

    def as_dict(self) -> dict[str, Any]:
        return dict(zip(FIELDS, _fields_of(self), strict=True))


@dataclass(frozen=True)
class ClassSummary:
    customer_class: str
    count: int
    mean_workdays: float | None
    p90_workdays: float | None
    max_workdays: float | None
    within_limit_share: float | None
    limits_workdays: list[int]
    within_limit: int = 0  # how many (the page shows it; not part of the §5 report)

    def as_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "mean_workdays": self.mean_workdays,
            "p90_workdays": self.p90_workdays,
            "max_workdays": self.max_workdays,
            "within_limit_share": self.within_limit_share,
            "limits_workdays": self.limits_workdays,
        }


@dataclass(frozen=True)
class ComplianceReport:
    year: int
    applications: list[ApplicationFigures]
    by_class: dict[str, ClassSummary]

    def as_dict(self) -> dict[str, Any]:
        """The §5 report (`--format json`)."""
        return {
            "year": self.year,
            "applications": [a.as_dict() for a in self.applications],
            "by_class": {code: s.as_dict() for code, s in self.by_class.items()},
        }

    def worst(self, n: int = 10) -> list[ApplicationFigures]:
        """The applications that used the largest share of their limit, worst first."""
        return sorted(self.applications, key=lambda a: (-a.limit_share, a.no))[:n]


def p90_nearest_rank(values: list[float]) -> float:
    """The value at rank ceil(0.9 n) of the sorted values (nearest-rank method); values non-empty."""
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def summarise(applications: Iterable[ApplicationFigures], policy: Policy) -> dict[str, ClassSummary]:
    grouped: dict[str, list[ApplicationFigures]] = {code: [] for code in policy.classes}
    for a in applications:
        grouped.setdefault(a.customer_class, []).append(a)
    out: dict[str, ClassSummary] = {}
    for code, apps in grouped.items():
        if not apps:
            out[code] = ClassSummary(code, 0, None, None, None, None, [])
            continue
        used = [a.used_workdays for a in apps]
        out[code] = ClassSummary(
            customer_class=code,
            count=len(apps),
            mean_workdays=round(math.fsum(used) / len(used), DECIMALS),
            p90_workdays=round(p90_nearest_rank(used), DECIMALS),
            max_workdays=round(max(used), DECIMALS),
            within_limit_share=round(sum(1 for a in apps if a.within_limit) / len(apps), 4),
            limits_workdays=sorted({a.limit_workdays for a in apps}),
            within_limit=sum(1 for a in apps if a.within_limit),
        )
    return out


def _figures(
    row: tuple[Any, ...],
    events: list[TimelineEvent],
    documents: int,
    clock_started_at: dt.datetime | None,
    *,
    policy: Policy,
    cal: WorkCalendar,
    limits: dict[tuple[str, dt.date], dict[str, int]],
) -> ApplicationFigures:
    _pk, no, customer_class, zero_investment, restart_no = row
    rule = policy.classes[customer_class]
    start = clock_started_at or next((e.at for e in events if e.type == EventType.SUBMITTED), events[0].at)
    day = start.date()  # events are in Asia/Shanghai time
    step_limits = limits.get((customer_class, day))
    if step_limits is None:
        step_limits = limits[(customer_class, day)] = policy.limit_for(customer_class, day).steps
    clocks = compute_clocks(
        events,
        cal=cal,
        steps=rule.steps,
        step_limits=step_limits,
        limit_clock=rule.clock,
        now=events[-1].at,
        clock_start=clock_started_at,
        deadlines=False,
    )
    limit = clocks.limit_workdays
    return ApplicationFigures(
        no=no,
        customer_class=customer_class,
        full_process_workdays=round(clocks.full_process_workdays, DECIMALS),
        utility_workdays=round(clocks.utility_workdays, DECIMALS),
        approval_workdays=round(clocks.approval_workdays, DECIMALS),
        limit_workdays=limit,
        limit_clock=rule.clock,
        within_limit=clocks.limit_used_workdays <= limit,
        steps=clocks.stages_completed,
        steps_limit=rule.steps_max,
        documents=documents,
        documents_limit=rule.documents_max,
        visits=clocks.visits,
        visits_limit=rule.visits_max,
        zero_investment=zero_investment,
        restart_of=restart_no,
        used_workdays=clocks.limit_used_workdays,
    )


# Reading. Timestamps are the bulk of the rows: on PostgreSQL they are read as epoch seconds (a
# C-speed float) and turned into Asia/Shanghai datetimes here, which also makes every later
# conversion to Shanghai time in the calendar a no-op.


def _event_rows(year: int, id_range: tuple[int, int] | None) -> tuple[Iterator[tuple[Any, ...]], bool]:
    """(application id, type, at, stage, reason, documents listed) in application, seq order,
    and whether `at` comes as epoch seconds (else as an aware datetime)."""
    start, end = year_bounds(year)
    table = connection.ops.quote_name(Event._meta.db_table)
    if connection.vendor == "postgresql":
        at: Any = RawSQL(f"EXTRACT(EPOCH FROM {table}.occurred_at)::float8", ())  # noqa: S611
        listed = RawSQL(  # noqa: S611
            f"CASE WHEN {table}.type = 'submitted' AND jsonb_typeof({table}.data -> 'documents') = 'array' "
            f"THEN jsonb_array_length({table}.data -> 'documents') END",
            (),
        )
    else:
        at = F("occurred_at")
        listed = RawSQL(  # noqa: S611
            f"CASE WHEN {table}.type = 'submitted' AND json_type({table}.data, '$.documents') = 'array' "
            f"THEN json_array_length({table}.data, '$.documents') END",
            (),
        )
    # Only the types the clocks read (those of the interchange format): not the creation,
    # uploads and assignment that native timelines also hold.
    events = Event.objects.filter(
        application__energised_at__gte=start, application__energised_at__lt=end, type__in=CLOCK_TYPES
    )
    if id_range is not None:
        events = events.filter(application_id__gte=id_range[0], application_id__lte=id_range[1])
    rows = (
        events.annotate(at_value=at, documents_listed=listed)
        .order_by("application_id", "seq")
        .values_list("application_id", "type", "at_value", "stage", "reason", "documents_listed")
        .iterator(chunk_size=EVENT_CHUNK)
    )
    return rows, connection.vendor == "postgresql"


@dataclass
class _Shared:
    """What every part of the computation reads (inherited by forked workers)."""

    year: int
    policy: Policy
    cal: WorkCalendar
    apps: dict[int, tuple[Any, ...]]
    uploaded: dict[int, int]
    restarts: dict[int, dt.datetime]


_shared: _Shared | None = None


def _compute(shared: _Shared, id_range: tuple[int, int] | None) -> list[ApplicationFigures]:
    limits: dict[tuple[str, dt.date], dict[str, int]] = {}
    out = []
    rows, epoch = _event_rows(shared.year, id_range)
    fromtimestamp = dt.datetime.fromtimestamp
    for pk, group in groupby(rows, key=itemgetter(0)):
        row = shared.apps.get(pk)
        if row is None:  # energised since the applications were read
            continue
        events: list[TimelineEvent] = []
        listed = None
        in_order = True
        for _pk, kind, raw_at, stage, reason, docs in group:
            at = fromtimestamp(raw_at, SHANGHAI) if epoch else raw_at.astimezone(SHANGHAI)
            if events and at < events[-1].at:
                in_order = False
            events.append(TimelineEvent(kind, at, stage, reason))
            if docs is not None:
                listed = docs
        if not in_order:  # a terminal's back-filled event: the clocks read the timeline in time order
            events.sort(key=attrgetter("at"))
        documents = shared.uploaded.get(pk) or listed or 0
        clock_start = shared.restarts.get(pk)
        out.append(_figures(row, events, documents, clock_start, policy=shared.policy, cal=shared.cal, limits=limits))
    return out


def _compute_part(id_range: tuple[int, int]) -> list[ApplicationFigures]:
    """In a forked worker: its own database connection, the parent's data."""
    assert _shared is not None
    try:
        return _compute(_shared, id_range)
    finally:
        connections.close_all()


def _parallel(shared: _Shared, jobs: int) -> list[ApplicationFigures]:
    global _shared
    ids = sorted(shared.apps)
    size = math.ceil(len(ids) / jobs)
    ranges = [(ids[i], ids[min(i + size, len(ids)) - 1]) for i in range(0, len(ids), size)]
    _shared = shared
    try:
        with fork_pool(len(ranges)) as pool:
            parts = pool.map(_compute_part, ranges)
    finally:
        _shared = None
    return [a for part in parts for a in part]


def compliance_report(
    year: int, *, policy: Policy | None = None, cal: WorkCalendar | None = None, jobs: int = 1
) -> ComplianceReport:
    """The §5 report for the applications energised in `year` (Asia/Shanghai).

    With jobs > 1, a large year on PostgreSQL (outside a transaction) is computed by that many
    forked processes, each reading and computing its own range of applications.
    """
    policy = policy or active_policy()
    cal = cal or get_calendar()
    start, end = year_bounds(year)
    in_year = Application.objects.filter(energised_at__gte=start, energised_at__lt=end)
    apps = {
        row[0]: row for row in in_year.values_list("id", "no", "customer_class", "zero_investment", "restart_of__no")
    }
    uploaded: dict[int, int] = dict(
        Document.objects.filter(application__in=in_year)
        .values("application_id")
        .annotate(n=Count("id"))
        .values_list("application_id", "n")
    )
    restarts = {
        pk: t.astimezone(SHANGHAI)
        for pk, t in in_year.filter(clock_started_at__isnull=False).values_list("id", "clock_started_at")
        if t is not None
    }
    shared = _Shared(year, policy, cal, apps, uploaded, restarts)
    parallel = (
        jobs > 1
        and len(apps) >= PARALLEL_FROM
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and "fork" in multiprocessing.get_all_start_methods()
    )
    figures = _parallel(shared, jobs) if parallel else _compute(shared, None)
    figures.sort(key=lambda a: a.no)
    return ComplianceReport(year=year, applications=figures, by_class=summarise(figures, policy))


@dataclass(frozen=True)
class YearSummary:
    """What the supervisors' page shows: the classes and the worst cases, small enough to cache."""

    year: int
    total: int
    by_class: dict[str, ClassSummary]
    worst: list[ApplicationFigures]


SUMMARY_CACHE_SECONDS = 600


def compliance_summary(year: int, *, policy: Policy | None = None, worst: int = 10) -> YearSummary:
    """The page's view of the report, cached until the next event is recorded anywhere.

    Every change that can alter a year's figures appends an event, so the latest event (one
    index lookup; its hash too, as ids can be reused after a rollback) tells whether a cached
    summary is still the truth.
    """
    policy = policy or active_policy()
    latest = Event.objects.order_by("-id").values_list("id", "hash").first() or (0, "")
    key = f"supervision:compliance:{policy.policy.name}:{year}:{worst}:{latest[0]}:{latest[1]}"
    cached = cache.get(key)
    if isinstance(cached, YearSummary):
        return cached
    report = compliance_report(year, policy=policy)
    summary = YearSummary(year, len(report.applications), report.by_class, report.worst(worst))
    cache.set(key, summary, SUMMARY_CACHE_SECONDS)
    return summary
