"""Public statistics (公开统计): a year's (the current year: to date) figures against every target
of the plan, for the prefecture or one county, with no personal data.

Every figure comes from the code the supervisors read, not from a copy of it:

- handling time, steps, documents, visits, zero investment and the administrative approval per
  customer class: `applications.compliance.compliance_report(year, county=)` (the supervisors'
  compliance report), summarised by its own `summarise`;
- fees charged to zero-investment connections: `applications.payments.selectors.charged_by_application`;
- the departments' parallel approval: `permits.report.approvals_report(year, county=)`;
- reliability per area class against its target: the reliability dashboard's engine
  (`reliability.selectors.dashboard` for the prefecture; `reliability.engine.compute` over the
  county's users for a county), to date for the current year;
- service ratings: `applications.ratings.selectors.rating_summary` (the dashboard's);
- outage notices: `outages.figures.cached_figures(year).summary(county)` (the dashboard's and the
  supervisors' outage page's).

No figure is published over fewer than `MIN_COUNT` applications (or permit items, or MV users,
or settled 差评; ratings: the policy's `ratings.min_published`): it is None, shown as "—". The
outage notices' counts (planned outages, faults, unauthorised rationing) are of public events and
always shown; their shares and means need `MIN_COUNT` outages or messages too. Each part is
cached under a key that changes with what it reads (`public_statistics` says which), and with the
policy.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import polars as pl
from django.core.cache import cache
from django.db.models import Count, Max
from django.utils import timezone
from django_tasks import task

from bandian.applications.compliance import ClassSummary, ReportRow, compliance_report, timeline_version
from bandian.applications.models import Application
from bandian.applications.payments.selectors import charged_by_application
from bandian.applications.ratings.selectors import rating_summary, ratings_version
from bandian.core.served import fresh_or_last
from bandian.core.text import label
from bandian.core.time import SHANGHAI, year_bounds
from bandian.grid.enums import AREA_LABELS
from bandian.grid.models import MVUser
from bandian.outages.figures import cached_figures as cached_outage_figures
from bandian.outages.figures import figures_version as outage_figures_version
from bandian.outages.models import Interruption
from bandian.permits.report import approvals_report
from bandian.policy.areas import AREA_CLASSES
from bandian.policy.loader import active_policy
from bandian.policy.schema import Policy
from bandian.reliability import engine, frames
from bandian.reliability import selectors as reliability

MIN_COUNT = 5
CACHE_SECONDS = 600
SHARE_DECIMALS = 4


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, SHARE_DECIMALS) if whole else None


@dataclass(frozen=True)
class ClassLine:
    """One customer class: its applications energised in the period against the plan's limits.
    Every figure is None when fewer than MIN_COUNT applications (`published` False)."""

    customer_class: str
    name: str
    clock: str
    published: bool
    count: int | None
    limits_workdays: list[int]
    mean_workdays: float | None
    p90_workdays: float | None
    within_limit_share: float | None
    steps_max: int
    steps_mean: float | None
    within_steps_share: float | None
    documents_max: int
    documents_mean: float | None
    within_documents_share: float | None
    visits_max: int | None
    visits_mean: float | None
    within_visits_share: float | None
    zero_investment: int | None
    zero_investment_share: float | None
    zero_investment_charged: int | None  # zero-investment connections charged any fee (should be 0)
    approval_limits_workdays: list[int]
    with_approval: int | None
    approval_within_limit_share: float | None


@dataclass(frozen=True)
class ParallelApproval:
    """四（二）: the departments' parallel approval items of the year, within the limit."""

    limit_workdays: list[int]
    published: bool
    decided: int | None
    mean_workdays: float | None
    within_limit_share: float | None


@dataclass(frozen=True)
class AreaReliability:
    area_class: str
    name: str
    published: bool
    users: int | None
    saidi_hours: float | None
    target_hours: float | None
    meets_target: bool | None


@dataclass(frozen=True)
class ServiceRatings:
    """服务评价 (好差评) of the year: how many, the share of each level, the share that is not 差评,
    and the 差评 called back and rectified within the policy's working days."""

    published: bool
    ratings: int | None
    level_shares: dict[str, float | None]
    satisfied_share: float | None
    bad: int | None
    bad_handled_in_time_share: float | None
    follow_up_workdays: int
    min_published: int


@dataclass(frozen=True)
class OutageNotices:
    """停电信息发布: the year's planned outages announced the notice period ahead (7 days; temporary
    maintenance 24 hours), the notices' delivery, fault restoration and unauthorised rationing."""

    notice_days: int
    temporary_notice_hours: int
    planned: int
    notified_in_time_share: float | None
    mean_lead_hours: float | None
    messages: int
    delivered_within_minutes: int
    delivered_within_share: float | None
    faults: int
    mean_restoration_hours: float | None
    unauthorised_rationing: int


@dataclass(frozen=True)
class Statistics:
    year: int
    county: str | None
    county_name: str
    start: dt.datetime
    end: dt.datetime  # the year's end, or the time of computing for the current year
    partial: bool
    generated_at: dt.datetime
    policy: str
    min_count: int
    classes: list[ClassLine]
    parallel_approval: ParallelApproval
    reliability: list[AreaReliability]
    service_ratings: ServiceRatings
    outage_notices: OutageNotices
    reliability_partial: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _mean(values: list[int]) -> float | None:
    return round(math.fsum(values) / len(values), 3) if values else None


def _class_line(
    code: str, policy: Policy, rows: list[ReportRow], summary: ClassSummary, charged: dict[str, int]
) -> ClassLine:
    rule = policy.classes[code]
    n = len(rows)
    ok = n >= MIN_COUNT

    def shown(value: Any) -> Any:
        return value if ok else None

    zero = sum(1 for r in rows if r.zero_investment)
    approval_limits = sorted(
        {
            a.low_voltage_workdays if rule.voltage == "low" else a.high_voltage_workdays
            for a in policy.approval.access_limits
        }
    )
    visits_ok = None if rule.visits_max is None else _share(sum(1 for r in rows if r.visits <= rule.visits_max), n)
    return ClassLine(
        customer_class=code,
        name=label(rule),
        clock=rule.clock,
        published=ok,
        count=shown(n),
        limits_workdays=summary.limits_workdays if ok else [lim.total for lim in rule.limits],
        mean_workdays=shown(summary.mean_workdays),
        p90_workdays=shown(summary.p90_workdays),
        within_limit_share=shown(summary.within_limit_share),
        steps_max=rule.steps_max,
        steps_mean=shown(_mean([r.steps for r in rows])),
        within_steps_share=shown(_share(sum(1 for r in rows if r.steps <= r.steps_limit), n)),
        documents_max=rule.documents_max,
        documents_mean=shown(_mean([r.documents for r in rows])),
        within_documents_share=shown(_share(sum(1 for r in rows if r.documents <= r.documents_limit), n)),
        visits_max=rule.visits_max,
        visits_mean=shown(_mean([r.visits for r in rows])),
        within_visits_share=shown(visits_ok),
        zero_investment=shown(zero),
        zero_investment_share=shown(_share(zero, n)),
        zero_investment_charged=shown(charged.get(code, 0)),
        approval_limits_workdays=summary.approval_limits_workdays if ok else approval_limits,
        with_approval=shown(summary.with_approval),
        # A share over fewer than MIN_COUNT approvals is not published either.
        approval_within_limit_share=shown(summary.approval_within_limit_share)
        if summary.with_approval >= MIN_COUNT
        else None,
    )


def _zero_investment_charged(year: int, county: str | None, rows: Iterable[ReportRow]) -> dict[str, int]:
    """{class: zero-investment applications of the period charged and kept any fee}."""
    zero = {r.no: r.customer_class for r in rows if r.zero_investment}
    if not zero:
        return {}
    start, end = year_bounds(year)
    apps = Application.objects.filter(no__in=list(zero), energised_at__gte=start, energised_at__lt=end)
    if county is not None:
        apps = apps.filter(county_id=county)
    charged = charged_by_application(apps)
    numbers = dict(apps.filter(id__in=list(charged)).values_list("id", "no"))
    out: dict[str, int] = {}
    for pk, amount in charged.items():
        if amount and pk in numbers:
            code = zero[numbers[pk]]
            out[code] = out.get(code, 0) + 1
    return out


def _parallel(year: int, county: str | None, policy: Policy, now: dt.datetime) -> ParallelApproval:
    stats, _names = approvals_report(year, now=now, policy=policy, county=county)
    total = stats.total
    ok = total["decided"] >= MIN_COUNT
    return ParallelApproval(
        limit_workdays=sorted({lim.workdays for lim in policy.approval.parallel_limits}),
        published=ok,
        decided=total["decided"] if ok else None,
        mean_workdays=total["mean_workdays"] if ok else None,
        within_limit_share=total["within_limit_share"] if ok else None,
    )


def _reliability(year: int, county: str | None, now: dt.datetime) -> tuple[list[AreaReliability], bool]:
    """Per area class against its target, as the dashboard computes it (to date this year)."""
    board = reliability.dashboard(year, now=now)
    by_area = board.report.by_area
    if county is not None:
        users = frames.users_frame().filter(pl.col("county") == county)
        rows = frames.interruptions_frame(board.start, board.end)
        by_area = engine.compute(users, rows, start=board.start, end=board.end, targets=board.targets).by_area
    out = []
    for area in AREA_CLASSES:
        f = by_area.get(area)
        ok = f is not None and f.users >= MIN_COUNT
        out.append(
            AreaReliability(
                area_class=area,
                name=str(AREA_LABELS[area]),
                published=ok,
                users=f.users if ok and f else None,
                saidi_hours=f.saidi_hours if ok and f else None,
                target_hours=None if board.targets is None else board.targets.get(area),
                meets_target=f.meets_target if ok and f else None,
            )
        )
    return out, board.partial


def grid_version() -> str:
    """Changes whenever a reliability figure could: any interruption or MV user added or removed."""
    rows = Interruption.objects.aggregate(n=Count("pk"), top=Max("pk"))
    users = MVUser.objects.aggregate(n=Count("pk"), top=Max("pk"))
    return f"{rows['n']}:{rows['top']}:{users['n']}:{users['top']}"


def _cached(key: str, compute: Any) -> Any:
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, CACHE_SECONDS)
    return found


def public_statistics(
    year: int, *, county: str | None = None, now: dt.datetime | None = None, wait: bool = False
) -> Statistics:
    """The year's public figures (the current year: to `now`), cached while the data is unchanged.

    Each part is cached under what it reads. The applications' figures (the expensive part: the
    compliance report of the year) until an application of the year (and county) changes: another
    one energised, or an event recorded on one of them (the write path saves the application,
    moving its `updated_at`) — not on every event anywhere, so a busy current year does not make
    past years recompute (that check itself, an aggregate over the year's applications, runs only
    when an event was recorded since the last request: `timeline_version`, one index lookup, keys
    it). The parallel approval items (cheap) follow every event (`timeline_version`); the
    reliability figures the interruptions and MV users, and for the current year the minute; the
    ratings every rating and follow-up (`ratings_version`) and the minute (an open 差评 becomes
    late); the outage notices `outages.figures.figures_version`.

    The whole is served by `core.served.fresh_or_last`: when something changed and a worker runs
    the tasks, the reader gets the last figures (with their `generated_at`) while
    `refresh_statistics` computes the new ones; `wait=True` (the task, the dashboard) computes now."""
    policy = active_policy()
    now = now or timezone.now()
    _start, year_end = year_bounds(year)
    base = f"disclosure:statistics:v2:{policy.policy.name}:{year}:{county or '*'}"
    timeline = timeline_version()  # one index lookup; the aggregate below only when it moved
    keys = _Keys(
        base=base,
        timeline=timeline,
        energised=_cached(f"{base}:energised:{timeline}", lambda: energised_version(year, county)),
        minute=f"{min(now, year_end).replace(second=0, microsecond=0).timestamp():.0f}",
        grid=grid_version(),
        ratings=ratings_version(),
        outages=outage_figures_version(),
    )
    version = hashlib.sha256(repr(keys).encode()).hexdigest()[:32]
    return fresh_or_last(
        f"{base}:whole",
        version,
        lambda: _statistics(year, county, policy, now, keys),
        refresh=None if wait else lambda: refresh_statistics.enqueue(year, county),
    )


@task()
def refresh_statistics(year: int, county: str | None) -> None:
    """Compute the year's public figures now, for the readers served the last ones meanwhile."""
    public_statistics(year, county=county, wait=True)


@dataclass(frozen=True)
class _Keys:
    base: str
    timeline: str
    energised: str
    minute: str
    grid: str
    ratings: str
    outages: str


def _statistics(year: int, county: str | None, policy: Policy, now: dt.datetime, keys: _Keys) -> Statistics:
    start, year_end = year_bounds(year)
    base = keys.base
    classes = _cached(f"{base}:applications:{keys.energised}", lambda: _applications(year, county, policy))
    parallel = _cached(f"{base}:parallel:{keys.timeline}", lambda: _parallel(year, county, policy, now))
    areas, partial_reliability = _cached(
        f"{base}:reliability:{keys.minute}:{keys.grid}", lambda: _reliability(year, county, now)
    )
    return Statistics(
        year=year,
        county=county,
        county_name=policy.counties.get(county, "") if county else "",
        start=start,
        end=min(now, year_end),
        partial=now < year_end,
        generated_at=now,
        policy=policy.policy.name,
        min_count=MIN_COUNT,
        classes=classes,
        parallel_approval=parallel,
        reliability=areas,
        service_ratings=_cached(
            f"{base}:ratings:{keys.minute}:{keys.ratings}", lambda: _ratings(year, county, policy, now)
        ),
        outage_notices=_outage_notices(year, county, policy),
        reliability_partial=partial_reliability,
    )


def _ratings(year: int, county: str | None, policy: Policy, now: dt.datetime) -> ServiceRatings:
    found = rating_summary(year, county=county, now=now)
    ok = found.ratings >= policy.ratings.min_published
    settled = found.bad_decided >= MIN_COUNT
    return ServiceRatings(
        published=ok,
        ratings=found.ratings if ok else None,
        level_shares={lvl: (v if ok else None) for lvl, v in found.level_shares.items()},
        satisfied_share=found.satisfied_share if ok else None,
        bad=found.bad if ok else None,
        bad_handled_in_time_share=found.bad_in_time_share if ok and settled else None,
        follow_up_workdays=found.follow_up_workdays,
        min_published=policy.ratings.min_published,
    )


def _outage_notices(year: int, county: str | None, policy: Policy) -> OutageNotices:
    found = cached_outage_figures(year).summary(county)
    rules = policy.outage_notices

    def over(value: float | None, n: int) -> float | None:
        return value if n >= MIN_COUNT else None

    return OutageNotices(
        notice_days=rules.planned_days,
        temporary_notice_hours=rules.temporary_hours,
        planned=found.planned,
        notified_in_time_share=over(found.notified_in_time_share, found.planned),
        mean_lead_hours=over(found.mean_lead_hours, found.planned),
        messages=found.messages,
        delivered_within_minutes=rules.delivered_within_minutes,
        delivered_within_share=over(found.delivered_within_hour_share, found.messages),
        faults=found.faults,
        mean_restoration_hours=over(found.mean_restoration_hours, found.faults_restored),
        unauthorised_rationing=found.unauthorised_rationing,
    )


def energised_version(year: int, county: str | None) -> str:
    """Changes whenever the applications energised in the year (of the county) change: their
    number, or the latest save of any of them. One indexed aggregate."""
    start, end = year_bounds(year)
    apps = Application.objects.filter(energised_at__gte=start, energised_at__lt=end)
    if county is not None:
        apps = apps.filter(county_id=county)
    found = apps.aggregate(n=Count("id"), last=Max("updated_at"))
    last = found["last"].timestamp() if found["last"] else 0
    return f"{found['n']}:{last:.6f}"


def _applications(year: int, county: str | None, policy: Policy) -> list[ClassLine]:
    report = compliance_report(year, policy=policy, county=county)
    by_class: dict[str, list[ReportRow]] = {code: [] for code in policy.classes}
    for row in report.applications:
        by_class.setdefault(row.customer_class, []).append(row)
    charged = _zero_investment_charged(year, county, report.applications)
    classes = [_class_line(code, policy, rows, report.by_class[code], charged) for code, rows in by_class.items()]
    return classes


def this_year() -> int:
    return timezone.now().astimezone(SHANGHAI).year
