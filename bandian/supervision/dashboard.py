"""The supervisors' dashboard (/supervision/): every target of the plan for a year (this year: to
date), for the prefecture or one county, each against its limit with met / at risk / missed, the
link to what is behind it, and a monthly trend.

The figures are the public statistics' (`disclosure.statistics.public_statistics`, itself the
compliance report, the approvals report and the reliability engine), so the dashboard and the
published figures can never disagree; a figure over fewer than five applications is not
computed there and shows here as "no data". The ratings (`ratings.selectors.rating_summary`) and
the outage notices (`outages.figures`: lead time, unauthorised rationing) are the same summaries
the public statistics publish, read here without the public threshold, so a supervisor sees a
county's three 差评. The dashboard adds what is not public: complaints, the rectification list,
the contractors and the annual plan.

A share target is met at or above the policy's `met_share`, at risk down to `at_risk_share`,
missed below; a count target (e.g. zero-investment connections charged a fee) is met at zero.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from bandian.applications.compliance import ReportRow, compliance_report, timeline_version
from bandian.applications.models import Application
from bandian.applications.ratings import selectors as rating_selectors
from bandian.core.served import fresh_or_last
from bandian.core.time import SHANGHAI, year_bounds
from bandian.disclosure.statistics import Statistics, grid_version, public_statistics
from bandian.outages.figures import OutageFigures
from bandian.outages.figures import cached_figures as outage_figures
from bandian.outages.figures import figures_version as outage_figures_version
from bandian.policy.loader import active_policy
from bandian.supervision import annual, complaints, contractors
from bandian.supervision.models import (
    AnnualPlan,
    Complaint,
    Contractor,
    ContractorDeclaration,
    Rectification,
    RectificationLog,
    Status,
)

MET, AT_RISK, MISSED, NO_DATA = "met", "at_risk", "missed", "no_data"
CACHE_SECONDS = 600

# The plan's first year: the dashboard (page and API) shows it to the current year, no other.
FIRST_YEAR = 2021


@dataclass(frozen=True)
class Target:
    key: str  # stable: "handling_time.residential", "reliability.urban", "complaints.in_time", …
    group: str
    name: str
    limit: float | None  # the plan's number: working days, hours, or a count
    limit_text: str
    value: float | None
    unit: str  # "share" (0–1), "count" or "hours"
    goal: float | None  # the value the status is judged against
    status: str
    link: str
    trend: list[float | None] = field(default_factory=list)  # month 1..12 (None: no data)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["target"] = out.pop("key")
        return out


@dataclass(frozen=True)
class DashboardData:
    year: int
    county: str | None
    county_name: str
    partial: bool
    generated_at: dt.datetime
    targets: list[Target]

    def counts(self) -> dict[str, int]:
        out = {MET: 0, AT_RISK: 0, MISSED: 0, NO_DATA: 0}
        for t in self.targets:
            out[t.status] += 1
        return out


def share_status(value: float | None) -> str:
    rules = active_policy().supervision.dashboard
    if value is None:
        return NO_DATA
    if value >= rules.met_share:
        return MET
    return AT_RISK if value >= rules.at_risk_share else MISSED


def count_status(value: float | None, *, at_risk: bool = False) -> str:
    if value is None:
        return NO_DATA
    if value == 0:
        return AT_RISK if at_risk else MET
    return MISSED


def _url(name: str, query: str = "", **kwargs: Any) -> str:
    return reverse(name, kwargs=kwargs or None) + (f"?{query}" if query else "")


def _months_of(year: int, county: str | None) -> dict[str, int]:
    """{application number: month energised} of the year (for the monthly trends)."""
    start, end = year_bounds(year)
    apps = Application.objects.filter(energised_at__gte=start, energised_at__lt=end)
    if county:
        apps = apps.filter(county_id=county)
    return {no: at.astimezone(SHANGHAI).month for no, at in apps.values_list("no", "energised_at") if at is not None}


def _class_trends(year: int, county: str | None) -> dict[str, dict[str, list[float | None]]]:
    """Per class and measure, the monthly share within the limit: cached until the next event."""
    key = f"supervision:trends:v1:{year}:{county or '*'}:{timeline_version()}"
    found = cache.get(key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    report = compliance_report(year, county=county)
    months = _months_of(year, county)
    tally: dict[tuple[str, str, int], list[int]] = defaultdict(lambda: [0, 0])
    checks: dict[str, Callable[[ReportRow], bool | None]] = {
        "handling_time": lambda r: r.within_limit,
        "steps": lambda r: r.steps <= r.steps_limit,
        "documents": lambda r: r.documents <= r.documents_limit,
        "visits": lambda r: None if r.visits_limit is None else r.visits <= r.visits_limit,
        "access_approval": lambda r: r.approval_within_limit,
    }
    for row in report.applications:
        month = months.get(row.no)
        if month is None:
            continue
        for measure, check in checks.items():
            ok = check(row)
            if ok is None:
                continue
            cell = tally[(row.customer_class, measure, month)]
            cell[0] += int(ok)
            cell[1] += 1
    out: dict[str, dict[str, list[float | None]]] = defaultdict(dict)
    for code in active_policy().classes:
        for measure in checks:
            series: list[float | None] = []
            for m in range(1, 13):
                good, n = tally.get((code, measure, m), (0, 0))
                series.append(round(good / n, 4) if n else None)
            out[code][measure] = series
    result = dict(out)
    cache.set(key, result, CACHE_SECONDS)
    return result


def _applications_targets(stats: Statistics, trends: dict[str, dict[str, list[float | None]]], q: str) -> list[Target]:
    out = []
    for line in stats.classes:
        code, t = line.customer_class, trends.get(line.customer_class, {})
        days = max(line.limits_workdays) if line.limits_workdays else None
        link = _url("supervision:compliance", q + f"&class={code}")
        out.append(
            Target(
                f"handling_time.{code}", "handling_time", _("%(c)s：办电时间") % {"c": line.name}, days,
                _("%(n)s 个工作日内") % {"n": "、".join(str(d) for d in line.limits_workdays)},
                line.within_limit_share, "share", None, share_status(line.within_limit_share), link,
                t.get("handling_time", []),
            )
        )  # fmt: skip
        out.append(
            Target(
                f"steps.{code}", "steps", _("%(c)s：办理环节") % {"c": line.name}, line.steps_max,
                _("不超过 %(n)s 个环节") % {"n": line.steps_max}, line.within_steps_share, "share", None,
                share_status(line.within_steps_share), link, t.get("steps", []),
            )
        )  # fmt: skip
        out.append(
            Target(
                f"documents.{code}", "documents", _("%(c)s：申请资料") % {"c": line.name}, line.documents_max,
                _("不超过 %(n)s 件资料") % {"n": line.documents_max}, line.within_documents_share, "share", None,
                share_status(line.within_documents_share), link, t.get("documents", []),
            )
        )  # fmt: skip
        if line.visits_max is not None:
            out.append(
                Target(
                    f"visits.{code}", "visits", _("%(c)s：到现场次数") % {"c": line.name}, line.visits_max,
                    _("不超过 %(n)s 次") % {"n": line.visits_max}, line.within_visits_share, "share", None,
                    share_status(line.within_visits_share), link, t.get("visits", []),
                )
            )  # fmt: skip
        limit = max(line.approval_limits_workdays) if line.approval_limits_workdays else None
        out.append(
            Target(
                f"access_approval.{code}", "access_approval", _("%(c)s：电力接入工程审批") % {"c": line.name}, limit,
                _("%(n)s 个工作日内") % {"n": "、".join(str(d) for d in line.approval_limits_workdays)},
                line.approval_within_limit_share, "share", None, share_status(line.approval_within_limit_share),
                link, t.get("access_approval", []),
            )
        )  # fmt: skip
    charged = [c.zero_investment_charged for c in stats.classes if c.zero_investment_charged is not None]
    value = float(sum(charged)) if charged else None
    out.append(
        Target(
            "zero_investment.charged", "zero_investment", _("零投资用户被收费"), 0, _("0 件"), value, "count", 0,
            count_status(value), _url("supervision:compliance", q), [],
        )
    )  # fmt: skip
    parallel = stats.parallel_approval
    out.append(
        Target(
            "parallel_approval", "parallel_approval", _("外线工程行政审批（并联）"),
            max(parallel.limit_workdays) if parallel.limit_workdays else None,
            _("%(n)s 个工作日内") % {"n": "、".join(str(d) for d in parallel.limit_workdays)},
            parallel.within_limit_share, "share", None, share_status(parallel.within_limit_share),
            _url("supervision:approvals", q), [],
        )
    )  # fmt: skip
    return out


def _reliability_targets(stats: Statistics, q: str, elapsed: float) -> list[Target]:
    out = []
    for area in stats.reliability:
        value, goal = area.saidi_hours, area.target_hours
        if value is None or goal is None:
            status = NO_DATA
        elif value <= goal * elapsed:
            status = MET
        else:
            status = AT_RISK if value <= goal else MISSED
        out.append(
            Target(
                f"reliability.{area.area_class}", "reliability", _("%(a)s：户均停电时间") % {"a": area.name}, goal,
                _("不超过 %(h)s 小时/户·年") % {"h": goal}, value, "hours", goal, status,
                _url("reliability:dashboard", q), [],
            )
        )  # fmt: skip
    return out


def _outage_targets(figures: OutageFigures, county: str | None, q: str) -> list[Target]:
    summary = figures.summary(county)
    share = summary.notified_in_time_share
    days = active_policy().outage_notices
    rationed = float(summary.unauthorised_rationing)
    link = _url("supervision:outages", q)
    return [
        Target(
            "outage_notice.in_time", "outage_notice", _("计划停电提前通知"), None,
            _("提前 %(d)s 天（临时检修 %(h)s 小时）") % {"d": days.planned_days, "h": days.temporary_hours},
            share, "share", None, share_status(share), link, summary.monthly_in_time_share,
        ),
        Target(
            "outage_notice.rationing", "outage_notice", _("违规拉闸限电"), 0, _("0 起"), rationed, "count", 0,
            count_status(rationed), link, [],
        ),
    ]  # fmt: skip


def _complaint_targets(year: int, county: str | None, now: dt.datetime, q: str) -> list[Target]:
    start, end = year_bounds(year)
    items: Iterable[Complaint] = Complaint.objects.filter(received_at__gte=start, received_at__lt=end)
    if county:
        items = items.filter(county_id=county)  # type: ignore[attr-defined]
    answered = [0] * 13
    in_time = [0] * 13
    overdue = 0
    for c in items:
        ok = complaints.answered_in_time(c)
        if ok is not None:
            m = c.received_at.astimezone(SHANGHAI).month
            answered[m] += 1
            in_time[m] += int(ok)
        overdue += int(complaints.is_overdue(c, now=now))
    total = sum(answered)
    share = round(sum(in_time) / total, 4) if total else None
    rules = active_policy().supervision.complaints
    link = _url("supervision:complaints", q)
    return [
        Target(
            "complaints.in_time", "complaints", _("投诉按期答复"), rules.answer.days,
            _("受理后 %(n)s 日内答复") % {"n": rules.answer.days}, share, "share", None, share_status(share), link,
            [round(in_time[m] / answered[m], 4) if answered[m] else None for m in range(1, 13)],
        ),
        Target(
            "complaints.overdue", "complaints", _("逾期未办结的投诉"), 0, _("0 件"), float(overdue), "count", 0,
            count_status(float(overdue)), link, [],
        ),
    ]  # fmt: skip


def _rating_targets(year: int, county: str | None, now: dt.datetime, q: str) -> list[Target]:
    """服务线上评价: the share of ratings that are not 差评, and the 差评 handled within the limit."""
    summary = rating_selectors.rating_summary(year, county=county, now=now)
    good, in_time, days = summary.satisfied_share, summary.bad_in_time_share, summary.follow_up_workdays
    link = _url("ratings:bad", q)
    return [
        Target(
            "ratings.satisfied", "ratings", _("服务评价满意（非差评）"), None, _("不满意和非常不满意为差评"), good,
            "share", None, share_status(good), link, summary.monthly_satisfied_share,
        ),
        Target(
            "ratings.bad_in_time", "ratings", _("差评按期回访整改"), days, _("%(n)s 个工作日内") % {"n": days}, in_time,
            "share", None, share_status(in_time), link, [],
        ),
    ]  # fmt: skip


def _rectification_targets(county: str | None, today: dt.date) -> list[Target]:
    items = Rectification.objects.exclude(status=Status.VERIFIED)
    if county:
        items = items.filter(county_id=county)
    open_items = items.count()
    overdue = items.filter(due_on__lt=today).count()
    return [
        Target(
            "rectifications.overdue", "rectifications", _("逾期未销号的问题"), 0,
            _("0 项（未销号 %(n)s 项）") % {"n": open_items}, float(overdue), "count", 0,
            count_status(float(overdue), at_risk=open_items > 0), _url("supervision:rectifications", "status="), [],
        )
    ]  # fmt: skip


def _contractor_targets(county: str | None) -> list[Target]:
    """四（八）: builders without a valid licence, and builders concentrated beyond the 三指定 threshold."""
    unlicensed = float(len(contractors.unlicensed_builders(county=county)))
    flagged = float(sum(1 for c in contractors.concentrations(county=county) if c.flagged))
    link = _url("supervision:contractors")
    return [
        Target(
            "contractors.unlicensed", "contractors", _("无有效许可证的施工单位承接"), 0, _("0 件"), unlicensed,
            "count", 0, count_status(unlicensed), link, [],
        ),
        Target(
            "contractors.designation", "contractors", _("疑似“三指定”（施工单位集中度超限）"), 0, _("0 起"),
            flagged, "count", 0, count_status(flagged), link, [],
        ),
    ]  # fmt: skip


def _plan_target(year: int, today: dt.date) -> Target:
    line = annual.plan_line(year, today=today)
    status = {
        annual.PlanStatus.SUBMITTED: MET,
        annual.PlanStatus.LATE: MISSED,
        annual.PlanStatus.MISSING: MISSED,
        annual.PlanStatus.DUE: AT_RISK if (line.due - today).days <= 30 else MET,
    }[line.status]
    return Target(
        "annual_plan", "annual_plan", _("年度实施方案报送"), None, _("%(d)s 前报送") % {"d": line.due.isoformat()},
        1.0 if line.status == annual.PlanStatus.SUBMITTED else 0.0, "count", None, status,
        _url("supervision:annual_plans"), [],
    )  # fmt: skip


def state_key(year: int, now: dt.datetime) -> str:
    """Changes whenever a figure of the dashboard could: an event recorded, an interruption, MV
    user, planned outage or message added, a complaint or rectification item changed, a plan
    filed; and for the current year every minute (its figures run to now)."""
    complaints_at = Complaint.objects.aggregate(
        n=Count("pk"), e=Max("entered_at"), d=Max("decided_at"), x=Max("extended_at"), a=Max("answered_at")
    )
    parts = [
        timeline_version(),
        grid_version(),
        outage_figures_version(),
        str(complaints_at),
        str(RectificationLog.objects.aggregate(top=Max("pk"))["top"]),
        str(AnnualPlan.objects.aggregate(top=Max("pk"))["top"]),
        rating_selectors.ratings_version(),
        str(ContractorDeclaration.objects.aggregate(n=Count("pk"), at=Max("declared_at"))),
        str(Contractor.objects.aggregate(n=Count("pk"), at=Max("updated_at"))),
    ]
    _start, end = year_bounds(year)
    minute = min(now, end).replace(second=0, microsecond=0).timestamp()
    digest = hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]
    return f"{year}:{minute:.0f}:{digest}"


def dashboard(
    year: int,
    *,
    county: str | None = None,
    now: dt.datetime | None = None,
    key: str | None = None,
    wait: bool = False,
) -> DashboardData:
    """Every target for the year (to date for the current year), for the prefecture or a county;
    cached while nothing it reads changes (`state_key`). Served by `core.served.fresh_or_last`:
    after a change, with a worker, the last dashboard (with its `generated_at`) while
    `refresh_dashboard` computes the new one; `wait=True` computes now."""
    now = now or timezone.now()
    key = key or state_key(year, now)
    return fresh_or_last(
        f"supervision:dashboard:v2:{year}:{county or '*'}",
        key,
        lambda: _dashboard(year, county, now, outage_figures(year)),
        refresh=None if wait else lambda: refresh_dashboard.enqueue(year, county),
    )


@task()
def refresh_dashboard(year: int, county: str | None) -> None:
    """Compute the dashboard now, for the readers served the last one meanwhile."""
    dashboard(year, county=county, wait=True)


def _dashboard(year: int, county: str | None, now: dt.datetime, outages: OutageFigures) -> DashboardData:
    start, end = year_bounds(year)
    policy = active_policy()
    stats = public_statistics(year, county=county, now=now, wait=True)
    trends = _class_trends(year, county)
    q = f"year={year}" + (f"&county={county}" if county else "")
    elapsed = min(1.0, max(0.0, (min(now, end) - start) / (end - start)))
    today = now.astimezone(SHANGHAI).date()
    targets = _applications_targets(stats, trends, q)
    targets += _reliability_targets(stats, q, elapsed)
    targets += _outage_targets(outages, county, q)
    targets += _rating_targets(year, county, now, q)
    targets += _complaint_targets(year, county, now, q)
    targets += _rectification_targets(county, today)
    targets += _contractor_targets(county)
    if county is None:
        targets.append(_plan_target(year, today))
    return DashboardData(
        year=year,
        county=county,
        county_name=policy.counties.get(county, "") if county else "",
        partial=now < end,
        generated_at=now,
        targets=targets,
    )


def county_overview(year: int, *, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Per county: how many targets are met, at risk, missed (from each county's dashboard)."""
    now = now or timezone.now()
    key = state_key(year, now)
    out = []
    for code, name in active_policy().counties.items():
        board = dashboard(year, county=code, now=now, key=key)
        out.append({"county": code, "name": name, **board.counts()})
    return out
