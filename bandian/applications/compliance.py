"""The compliance report (requirements §5): every application energised in a year, on its clocks.

Here, in `applications`, so that the supervisors' report (page, API and `manage.py compliance`)
and the public statistics (`bandian.disclosure.statistics`) read one computation;
`county=` narrows it to the applications of one county.

An application belongs to the year in which it was energised, in Asia/Shanghai (§4). Native and
imported applications are read alike, from their timelines: the events of the whole year come
in one ordered query, their instants as integer epoch microseconds computed by the database, and
each application's clocks are computed from those rows by `clocks.row_clocks` as prefix sums on
the working-day calendar (`WorkingTimeline`), in exact integers: the same state machine and the
same figures as `compute_clocks`, without building a datetime per event. (A calendar that
`WorkingTimeline` cannot serve, years with gaps or before 1992, is computed by `compute_clocks`.)
The cost is one pass over the year's events: linear in the number of applications energised in
the year, whatever the size of the rest of the database (docs/operations.md gives figures).

Figures and their rounding:

- working days (`*_workdays`) are rounded to 3 decimals (a working day is 24 h of working time,
  so 0.001 is under 90 seconds); `within_limit` compares the unrounded figure on the class's
  limit clock with the limit in force on the day of (first) submission;
- `approval_limit_workdays` is the plan's limit of the administrative approval of power access
  works (三: low voltage 5, up to 20 kV 10; policy `[[approval.access_limits]]`) in force on that
  day, by the class's voltage; `approval_within_limit` compares the unrounded approval clock (A)
  with it, and is null when the application had no approval;
- `steps` is the number of steps completed, `documents` the documents on record (uploaded, or
  listed by an imported record), `visits` the in-person visits recorded; `visits_limit` is null
  for a class the plan sets no visit limit for;
- `class_check` is "expected lv_sanling" or "expected lv_general" when a low-voltage
  non-residential application's class contradicts the policy's zero-investment rules on the day
  it was submitted (`services.class_check`), null otherwise; the class and `zero_investment`
  are the utility's, as recorded;
- per class (`by_class`, every class of the policy, in its order): `mean_workdays`,
  `p90_workdays` and `max_workdays` are on the class's limit clock, rounded to 3 decimals;
  p90 is the nearest-rank 90th percentile: the value at rank ceil(0.9 × n) of the sorted
  figures, so always one of the applications' own figures; `within_limit_share` is rounded to
  4 decimals, and so is `approval_within_limit_share`, over the class's applications that had an
  approval (null when none had). A class without applications has count 0 and nulls.
  `limits_workdays` lists the limits in force for the class's applications (it changes with the
  submission date).
"""

from __future__ import annotations

import datetime as dt
import math
import typing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain, groupby
from operator import attrgetter, itemgetter
from typing import Any, NamedTuple

from django.core.cache import cache
from django.db import connection
from django.db.models import BigIntegerField, Count, FloatField, Func, IntegerField, Q
from django.db.models.functions import Cast

from bandian.applications.clocks import RowClocks, TimelineEvent, compute_clocks, row_clocks
from bandian.applications.enums import INTERCHANGE_TYPES, EventType
from bandian.applications.models import Application, Document, Event
from bandian.applications.payments.selectors import charged_by_application
from bandian.applications.services import class_check
from bandian.core.time import SHANGHAI, year_bounds
from bandian.policy.classes import CustomerClass
from bandian.policy.loader import active_policy
from bandian.policy.schema import Policy
from bandian.workdays.calendar import DAY_US, SHANGHAI_OFFSET_US, WorkCalendar, WorkingTimeline
from bandian.workdays.selectors import get_calendar

DECIMALS = 3
SHARE_DECIMALS = 4
EVENT_CHUNK = 20_000
CLOCK_TYPES = sorted(str(t) for t in INTERCHANGE_TYPES)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


class ReportRow(NamedTuple):
    """One application's line of the compliance report: the one definition of the row. The JSON
    document (`as_dict`), the CSV (`FIELDS`, same order), the API's schema (`row_types`) and the
    supervisors' page all read it. (A named tuple: a year builds tens of thousands of them.)"""

    no: str
    customer_class: str
    full_process_workdays: float
    utility_workdays: float
    approval_workdays: float
    limit_workdays: int
    limit_clock: str
    within_limit: bool
    approval_limit_workdays: int
    approval_within_limit: bool | None
    steps: int
    steps_limit: int
    documents: int
    documents_limit: int
    visits: int
    visits_limit: int | None
    zero_investment: bool
    class_check: str | None
    restart_of: str | None
    # Yuan charged and kept (paid orders; refunded ones not): 0 for a zero-investment
    # application unless it was wrongly charged.
    fees_charged: float
    # What the page reads but the §5 report does not carry (the last fields, after FIELDS):
    used_workdays: float = 0.0  # on the limit clock, unrounded

    @property
    def limit_share(self) -> float:
        """The share of the limit used (1.0 = the whole limit)."""
        return self.used_workdays / self.limit_workdays if self.limit_workdays else math.inf

    def as_dict(self) -> dict[str, Any]:
        return dict(zip(FIELDS, self, strict=False))


INTERNAL_FIELDS = ("used_workdays",)
FIELDS = ReportRow._fields[: -len(INTERNAL_FIELDS)]
assert ReportRow._fields[len(FIELDS) :] == INTERNAL_FIELDS
CLASS_FIELDS = (
    "count",
    "mean_workdays",
    "p90_workdays",
    "max_workdays",
    "within_limit_share",
    "approval_within_limit_share",
)


def row_types() -> dict[str, Any]:
    """Each field of the §5 row and its type (for the API's schema)."""
    hints = typing.get_type_hints(ReportRow)
    return {name: hints[name] for name in FIELDS}


@dataclass(frozen=True)
class ClassSummary:
    customer_class: str
    count: int
    mean_workdays: float | None
    p90_workdays: float | None
    max_workdays: float | None
    within_limit_share: float | None
    limits_workdays: list[int]
    approval_within_limit_share: float | None = None
    within_limit: int = 0  # how many (the page shows it; not part of the §5 report)
    with_approval: int = 0  # how many had an approval (the page)
    approval_within_limit: int = 0  # of which within the approval limit (the page)
    approval_limits_workdays: list[int] = field(default_factory=list)  # in force for them (the page)

    def as_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "mean_workdays": self.mean_workdays,
            "p90_workdays": self.p90_workdays,
            "max_workdays": self.max_workdays,
            "within_limit_share": self.within_limit_share,
            "approval_within_limit_share": self.approval_within_limit_share,
            "limits_workdays": self.limits_workdays,
        }


@dataclass(frozen=True)
class ComplianceReport:
    year: int
    applications: list[ReportRow]
    by_class: dict[str, ClassSummary]

    def as_dict(self) -> dict[str, Any]:
        """The §5 report (`--format json`)."""
        return {
            "year": self.year,
            "applications": [a.as_dict() for a in self.applications],
            "by_class": {code: s.as_dict() for code, s in self.by_class.items()},
        }

    def worst(self, n: int = 10) -> list[ReportRow]:
        """The applications that used the largest share of their limit, worst first."""
        return sorted(self.applications, key=lambda a: (-a.limit_share, a.no))[:n]

    def misclassified(self) -> list[ReportRow]:
        """The applications whose class contradicts the zero-investment rules, by number."""
        return [a for a in self.applications if a.class_check is not None]


def p90_nearest_rank(values: list[float]) -> float:
    """The value at rank ceil(0.9 n) of the sorted values (nearest-rank method); values non-empty."""
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def summarise(applications: Iterable[ReportRow], policy: Policy) -> dict[str, ClassSummary]:
    grouped: dict[str, list[ReportRow]] = {code: [] for code in policy.classes}
    for a in applications:
        grouped.setdefault(a.customer_class, []).append(a)
    out: dict[str, ClassSummary] = {}
    for code, apps in grouped.items():
        if not apps:
            out[code] = ClassSummary(code, 0, None, None, None, None, [])
            continue
        used = [a.used_workdays for a in apps]
        within = sum(1 for a in apps if a.within_limit)
        approved = [a.approval_within_limit for a in apps if a.approval_within_limit is not None]
        out[code] = ClassSummary(
            customer_class=code,
            count=len(apps),
            mean_workdays=round(math.fsum(used) / len(used), DECIMALS),
            p90_workdays=round(p90_nearest_rank(used), DECIMALS),
            max_workdays=round(max(used), DECIMALS),
            within_limit_share=round(within / len(apps), SHARE_DECIMALS),
            limits_workdays=sorted({a.limit_workdays for a in apps}),
            approval_within_limit_share=round(sum(approved) / len(approved), SHARE_DECIMALS) if approved else None,
            within_limit=within,
            with_approval=len(approved),
            approval_within_limit=sum(approved),
            approval_limits_workdays=sorted({a.approval_limit_workdays for a in apps}),
        )
    return out


# Reading. Every instant travels as integer UTC epoch microseconds computed by the database:
# no datetime is built per event.


class EpochMicroseconds(Func):
    """A datetime column as integer UTC epoch microseconds, computed by the database."""

    output_field = BigIntegerField()

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]
        if connection.vendor == "postgresql":
            template = "(EXTRACT(EPOCH FROM %(expressions)s) * 1000000)::bigint"
        else:
            # SQLite stores 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC: the whole seconds, then the
            # microseconds. (%%%%s is strftime's %s: the template is %-formatted twice.)
            template = (
                "(CAST(strftime('%%%%s', %(expressions)s) AS INTEGER) * 1000000"
                " + CAST(substr(%(expressions)s || '.000000', 21, 6) AS INTEGER))"
            )
        return super().as_sql(compiler, connection, template=template, **extra)


class DocumentsListed(Func):
    """The length of a JSON column's `documents` list (null when it is not a list)."""

    output_field = IntegerField()

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]
        if connection.vendor == "postgresql":
            template = (
                "CASE WHEN jsonb_typeof(%(expressions)s -> 'documents') = 'array' "
                "THEN jsonb_array_length(%(expressions)s -> 'documents') END"
            )
        else:
            template = (
                "CASE WHEN json_type(%(expressions)s, '$.documents') = 'array' "
                "THEN json_array_length(%(expressions)s, '$.documents') END"
            )
        return super().as_sql(compiler, connection, template=template, **extra)


def _raw_rows(queryset: Any) -> Iterator[tuple[Any, ...]]:
    """The rows of a values_list queryset straight from the database cursor, in chunks: the
    columns here are plain numbers and strings, so Django's per-row conversion is skipped."""
    return chain.from_iterable(_chunks(queryset))


def _chunks(queryset: Any) -> Iterator[list[tuple[Any, ...]]]:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(EVENT_CHUNK):
            yield chunk


def _energised_in(year: int, county: str | None) -> Q:
    """The applications energised in the year (Asia/Shanghai), of one county if given."""
    start, end = year_bounds(year)
    q = Q(energised_at__gte=start, energised_at__lt=end)
    return q if county is None else q & Q(county_id=county)


def _event_rows(year: int, county: str | None = None) -> Iterator[tuple[int, str, int, str]]:
    """(application id, type, instant in epoch µs, stage) of the clock-relevant events of the
    applications energised in the year, by application and in time order (a terminal's
    back-filled event among the others: the clocks read the timeline in time order), then seq."""
    # Only the types the clocks read (those of the interchange format): not the creation,
    # uploads and assignment that native timelines also hold.
    in_year = Application.objects.filter(_energised_in(year, county)).values("id")
    return _raw_rows(
        Event.objects.filter(application_id__in=in_year, type__in=CLOCK_TYPES)
        .annotate(
            at_us=EpochMicroseconds("occurred_at"),
        )
        .order_by("application_id", "at_us", "seq")
        .values_list("application_id", "type", "at_us", "stage")
    )


def _application_rows(year: int, county: str | None = None) -> Iterator[tuple[Any, ...]]:
    """(id, no, class, zero investment, restart_of's no, clock start µs, submission µs, county,
    urban, capacity kW as a float) of the applications energised in the year."""
    return _raw_rows(
        Application.objects.filter(_energised_in(year, county))
        .annotate(
            clock_start_us=EpochMicroseconds("clock_started_at"),
            submitted_us=EpochMicroseconds("submitted_at"),
            kw=Cast("capacity_kw", FloatField()),
        )
        .values_list(
            "id",
            "no",
            "customer_class",
            "zero_investment",
            "restart_of__no",
            "clock_start_us",
            "submitted_us",
            "county_id",
            "urban",
            "kw",
        )
    )


@dataclass(frozen=True)
class _Class:
    """What the report reads of a class's rule, once."""

    steps: tuple[str, ...]
    clock: str
    steps_max: int
    documents_max: int
    visits_max: int | None
    voltage: str
    checked: bool  # a low-voltage non-residential class: its class is checked against 三零


def _date(day_number: int) -> dt.date:
    return dt.date.fromordinal(_EPOCH_ORDINAL + day_number)


class _Rules:
    """The policy's answers, each computed once per distinct question. Days are Shanghai day
    numbers since the epoch ((µs + offset) // DAY_US: Shanghai has had a fixed offset since 1992)."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.classes = {
            code: _Class(
                tuple(rule.steps),
                rule.clock,
                rule.steps_max,
                rule.documents_max,
                rule.visits_max,
                rule.voltage,
                code in (CustomerClass.LV_SANLING, CustomerClass.LV_GENERAL),
            )
            for code, rule in policy.classes.items()
        }
        self._limits: dict[tuple[str, int], tuple[int, int, dict[str, int]]] = {}
        self._checks: dict[tuple[str, int, str, bool, float], str | None] = {}

    def limits(self, customer_class: str, day: int) -> tuple[int, int, dict[str, int]]:
        """(the class's limit, the approval limit, the steps' limits) in force on the day."""
        key = (customer_class, day)
        found = self._limits.get(key)
        if found is None:
            date = _date(day)
            limit = self.policy.limit_for(customer_class, date)
            found = self._limits[key] = (
                limit.total,
                self.policy.access_approval_limit(self.classes[customer_class].voltage, date),
                limit.steps,
            )
        return found

    def class_check(self, customer_class: str, day: int, county: str, urban: bool, kw: float) -> str | None:
        key = (customer_class, day, county, urban, kw)
        if key not in self._checks:
            self._checks[key] = class_check(
                self.policy, customer_class=customer_class, day=_date(day), county=county, urban=urban, capacity_kw=kw
            )
        return self._checks[key]


def _reference_clocks(
    events: list[tuple[str, int, str]],
    *,
    customer_class: str,
    clock_start_us: int | None,
    rules: _Rules,
    cal: WorkCalendar,
) -> RowClocks:
    """compute_clocks over the same rows, as RowClocks (for a calendar WorkingTimeline cannot serve)."""
    first = clock_start_us
    if first is None:
        first = next((t for kind, t, _s in events if kind == EventType.SUBMITTED), events[0][1])
    rule = rules.classes[customer_class]
    step_limits = rules.limits(customer_class, (first + SHANGHAI_OFFSET_US) // DAY_US)[2]
    clocks = compute_clocks(
        [TimelineEvent(kind, _datetime(at), stage) for kind, at, stage in events],
        cal=cal,
        steps=rule.steps,
        step_limits=step_limits,
        limit_clock=rule.clock,
        now=_datetime(events[-1][1]),
        clock_start=None if clock_start_us is None else _datetime(clock_start_us),
        deadlines=False,
    )
    # Back to microseconds (exact: the figures are whole microseconds over one day's length).
    return RowClocks(
        clocks.status,
        round(clocks.full_process_workdays * DAY_US),
        round(clocks.utility_workdays * DAY_US),
        round(clocks.approval_workdays * DAY_US),
        clocks.approvals,
        clocks.stages_completed,
        clocks.visits,
        None if clocks.submitted_at is None else (clocks.submitted_at - _EPOCH) // dt.timedelta(microseconds=1),
    )


def _datetime(t_us: int) -> dt.datetime:
    """An instant in epoch microseconds as an Asia/Shanghai datetime."""
    return (_EPOCH + dt.timedelta(microseconds=t_us)).astimezone(SHANGHAI)


def compliance_report(
    year: int, *, policy: Policy | None = None, cal: WorkCalendar | None = None, county: str | None = None
) -> ComplianceReport:
    """The §5 report for the applications energised in `year` (Asia/Shanghai), of `county` (an
    adcode) if given."""
    policy = policy or active_policy()
    cal = cal or get_calendar()
    at = WorkingTimeline(cal).function() if WorkingTimeline.usable(cal) else None
    rules = _Rules(policy)
    apps = {row[0]: row for row in _application_rows(year, county)}
    start, end = year_bounds(year)
    of_county = {} if county is None else {"application__county_id": county}
    uploaded: dict[int, int] = dict(
        Document.objects.filter(application__energised_at__gte=start, application__energised_at__lt=end, **of_county)
        .values("application_id")
        .annotate(n=Count("id"))
        .values_list("application_id", "n")
    )
    # The documents an imported record lists (its submission's `documents`).
    listed: dict[int, int] = dict(
        _raw_rows(
            Event.objects.filter(
                application__energised_at__gte=start,
                application__energised_at__lt=end,
                type=EventType.SUBMITTED,
                **of_county,
            )
            .annotate(n=DocumentsListed("data"))
            .exclude(n=None)
            .values_list("application_id", "n")
        )
    )
    # The fees charged and kept, in one query (bandian.applications.payments).
    charged = charged_by_application(Application.objects.filter(_energised_in(year, county)).values("id"))
    rows: list[ReportRow] = []
    submitted_type = str(EventType.SUBMITTED)
    _event_fields = itemgetter(1, 2, 3)
    for pk, group in groupby(_event_rows(year, county), key=itemgetter(0)):
        app = apps.get(pk)
        if app is None:  # energised since the applications were read
            continue
        _pk, no, customer_class, zero, restart_no, clock_start_us, submitted_us, county, urban, kw = app
        events = list(map(_event_fields, group))
        rule = rules.classes[customer_class]
        if at is not None:
            c = row_clocks(events, timeline=at, steps=rule.steps, clock_start_us=clock_start_us)
        else:
            c = _reference_clocks(
                events, customer_class=customer_class, clock_start_us=clock_start_us, rules=rules, cal=cal
            )
        start_us = clock_start_us
        if start_us is None:
            start_us = c.submitted_us
            if start_us is None:
                start_us = next((t for kind, t, _s in events if kind == submitted_type), events[0][1])
        limit, approval_limit, _steps = rules.limits(customer_class, (start_us + SHANGHAI_OFFSET_US) // DAY_US)
        used_us = c.full_process_us if rule.clock == "full_process" else c.utility_us
        check = None
        if rule.checked and submitted_us is not None:
            day = (submitted_us + SHANGHAI_OFFSET_US) // DAY_US
            check = rules.class_check(customer_class, day, county, bool(urban), kw)
        rows.append(
            ReportRow(
                no,
                customer_class,
                round(c.full_process_us / DAY_US, DECIMALS),
                round(c.utility_us / DAY_US, DECIMALS),
                round(c.approval_us / DAY_US, DECIMALS),
                limit,
                rule.clock,
                used_us <= limit * DAY_US,  # exact, in integers
                approval_limit,
                None if not c.approvals else c.approval_us <= approval_limit * DAY_US,
                c.stages_completed,
                rule.steps_max,
                uploaded.get(pk) or listed.get(pk) or 0,
                rule.documents_max,
                c.visits,
                rule.visits_max,
                bool(zero),
                check,
                restart_no,
                float(charged.get(pk) or 0),
                used_us / DAY_US,
            )
        )
    rows.sort(key=attrgetter("no"))
    return ComplianceReport(year=year, applications=rows, by_class=summarise(rows, policy))


@dataclass(frozen=True)
class YearSummary:
    """What the supervisors' page shows: the classes, the worst cases and the applications whose
    class contradicts the policy, small enough to cache."""

    year: int
    total: int
    by_class: dict[str, ClassSummary]
    worst: list[ReportRow]
    misclassified: list[ReportRow] = field(default_factory=list)
    misclassified_total: int = 0


SUMMARY_CACHE_SECONDS = 600
MISCLASSIFIED_SHOWN = 100


def timeline_version() -> str:
    """A key that changes whenever any event is recorded: the latest event's id and hash (one
    index lookup; the hash too, as ids can be reused after a rollback). Every change that can
    alter a year's figures appends an event, so a cached figure under this key is still the truth."""
    latest = Event.objects.order_by("-id").values_list("id", "hash").first() or (0, "")
    return f"{latest[0]}:{latest[1]}"


def compliance_summary(
    year: int, *, policy: Policy | None = None, worst: int = 10, county: str | None = None
) -> YearSummary:
    """The page's view of the report, cached until the next event is recorded anywhere
    (`timeline_version`)."""
    policy = policy or active_policy()
    key = f"supervision:compliance:v3:{policy.policy.name}:{year}:{county or '*'}:{worst}:{timeline_version()}"
    cached = cache.get(key)
    if isinstance(cached, YearSummary):
        return cached
    report = compliance_report(year, policy=policy, county=county)
    misclassified = report.misclassified()
    summary = YearSummary(
        year,
        len(report.applications),
        report.by_class,
        report.worst(worst),
        misclassified[:MISCLASSIFIED_SHOWN],
        len(misclassified),
    )
    cache.set(key, summary, SUMMARY_CACHE_SECONDS)
    return summary
