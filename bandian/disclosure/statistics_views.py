"""The public statistics page and its downloads (CSV, Excel): one table of rows, `table_rows`,
read by the page, the CSV and the workbook alike."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from openpyxl import Workbook

from bandian.applications.ratings.models import BAD_LEVELS, Level
from bandian.core.errors import ServiceError
from bandian.disclosure import guide
from bandian.disclosure.params import county_param, year_param
from bandian.disclosure.statistics import Statistics, public_statistics, this_year
from bandian.policy.loader import active_policy
from bandian.reliability.charts import Bar, target_bars

FIRST_YEAR = 2021  # the plan's first year (黔东南发改能源〔2021〕57号)

TABLE_FIELDS = (
    "section",
    "key",
    "name",
    "count",
    "limit",
    "mean",
    "p90",
    "within_limit_share",
)


def years() -> range:
    return range(FIRST_YEAR, this_year() + 1)


def read_query(request: HttpRequest) -> tuple[int, str | None]:
    """(year, county) of `?year=&county=`; ServiceError for a bad one (400)."""
    county = county_param(request.GET)
    return year_param(request.GET, default=this_year(), years=years()), county


def table_rows(stats: Statistics) -> list[dict[str, Any]]:
    """Every figure as a flat row: section, key, name, count, limit, mean, p90, share within."""
    rows: list[dict[str, Any]] = []
    for c in stats.classes:
        limit = "/".join(str(n) for n in c.limits_workdays)
        rows.append(
            {"section": "handling_time", "key": c.customer_class, "name": c.name, "count": c.count, "limit": limit,
             "mean": c.mean_workdays, "p90": c.p90_workdays, "within_limit_share": c.within_limit_share}
        )  # fmt: skip
        rows.append(
            {"section": "steps", "key": c.customer_class, "name": c.name, "count": c.count, "limit": c.steps_max,
             "mean": c.steps_mean, "p90": None, "within_limit_share": c.within_steps_share}
        )  # fmt: skip
        rows.append(
            {"section": "documents", "key": c.customer_class, "name": c.name, "count": c.count,
             "limit": c.documents_max, "mean": c.documents_mean, "p90": None,
             "within_limit_share": c.within_documents_share}
        )  # fmt: skip
        rows.append(
            {"section": "visits", "key": c.customer_class, "name": c.name, "count": c.count, "limit": c.visits_max,
             "mean": c.visits_mean, "p90": None, "within_limit_share": c.within_visits_share}
        )  # fmt: skip
        rows.append(
            {"section": "zero_investment", "key": c.customer_class, "name": c.name, "count": c.zero_investment,
             "limit": None, "mean": None, "p90": None, "within_limit_share": c.zero_investment_share}
        )  # fmt: skip
        rows.append(
            {"section": "zero_investment_charged", "key": c.customer_class, "name": c.name,
             "count": c.zero_investment_charged, "limit": 0, "mean": None, "p90": None, "within_limit_share": None}
        )  # fmt: skip
        rows.append(
            {"section": "administrative_approval", "key": c.customer_class, "name": c.name, "count": c.with_approval,
             "limit": "/".join(str(n) for n in c.approval_limits_workdays), "mean": None, "p90": None,
             "within_limit_share": c.approval_within_limit_share}
        )  # fmt: skip
    p = stats.parallel_approval
    rows.append(
        {"section": "parallel_approval", "key": "total", "name": _("并联审批事项"), "count": p.decided,
         "limit": "/".join(str(n) for n in p.limit_workdays), "mean": p.mean_workdays, "p90": None,
         "within_limit_share": p.within_limit_share}
    )  # fmt: skip
    for a in stats.reliability:
        rows.append(
            {"section": "reliability_saidi_hours", "key": a.area_class, "name": a.name, "count": a.users,
             "limit": a.target_hours, "mean": a.saidi_hours, "p90": None,
             "within_limit_share": None if a.meets_target is None else float(a.meets_target)}
        )  # fmt: skip
    r = stats.service_ratings
    rows.append(
        {"section": "service_ratings", "key": "satisfied", "name": _("评价满意（非差评）"), "count": r.ratings,
         "limit": None, "mean": None, "p90": None, "within_limit_share": r.satisfied_share}
    )  # fmt: skip
    for level, share in r.level_shares.items():
        rows.append(
            {"section": "service_ratings", "key": level, "name": str(Level(level).label), "count": r.ratings,
             "limit": None, "mean": None, "p90": None, "within_limit_share": share}
        )  # fmt: skip
    rows.append(
        {"section": "service_ratings", "key": "bad_handled_in_time", "name": _("差评按期回访整改"), "count": r.bad,
         "limit": r.follow_up_workdays, "mean": None, "p90": None, "within_limit_share": r.bad_handled_in_time_share}
    )  # fmt: skip
    o = stats.outage_notices
    rows.append(
        {"section": "outage_notices", "key": "planned_notified_in_time", "name": _("计划停电提前通知"),
         "count": o.planned, "limit": f"{o.notice_days}d/{o.temporary_notice_hours}h", "mean": o.mean_lead_hours,
         "p90": None, "within_limit_share": o.notified_in_time_share}
    )  # fmt: skip
    rows.append(
        {"section": "outage_notices", "key": "delivered_in_time", "name": _("停电通知按时送达"), "count": o.messages,
         "limit": f"{o.delivered_within_minutes}min", "mean": None, "p90": None,
         "within_limit_share": o.delivered_within_share}
    )  # fmt: skip
    rows.append(
        {"section": "outage_notices", "key": "faults", "name": _("故障停电"), "count": o.faults, "limit": None,
         "mean": o.mean_restoration_hours, "p90": None, "within_limit_share": None}
    )  # fmt: skip
    rows.append(
        {"section": "outage_notices", "key": "unauthorised_rationing", "name": _("违规拉闸限电"),
         "count": o.unauthorised_rationing, "limit": 0, "mean": None, "p90": None, "within_limit_share": None}
    )  # fmt: skip
    return rows


def _about(stats: Statistics) -> list[tuple[str, str]]:
    return [
        ("year", str(stats.year)),
        ("county", stats.county or "all"),
        ("period", f"{timezone.localtime(stats.start):%Y-%m-%d} – {timezone.localtime(stats.end):%Y-%m-%d %H:%M}"),
        ("generated_at", timezone.localtime(stats.generated_at).isoformat()),
        ("policy", stats.policy),
        ("min_count", str(stats.min_count)),
    ]


def _charts(stats: Statistics) -> dict[str, str]:
    time_bars = [
        Bar(
            label=c.name,
            value=c.mean_workdays,
            target=float(max(c.limits_workdays)) if c.limits_workdays else None,
            verdict="—" if c.within_limit_share is None else f"{c.within_limit_share:.0%}",
            met=None if c.mean_workdays is None else c.mean_workdays <= max(c.limits_workdays or [0]),
        )
        for c in stats.classes
    ]
    area_bars = [
        Bar(
            label=a.name,
            value=a.saidi_hours,
            target=a.target_hours,
            verdict="—" if a.meets_target is None else (_("达标") if a.meets_target else _("未达标")),
            met=a.meets_target,
        )
        for a in stats.reliability
    ]
    r = stats.service_ratings
    rating_bars = [
        Bar(label=str(Level(level).label), value=None if share is None else round(share * 100, 1), target=None,
            verdict=_("差评") if level in BAD_LEVELS else "", met=None if share is None else level not in BAD_LEVELS)
        for level, share in r.level_shares.items()
    ]  # fmt: skip
    return {
        "ratings": target_bars(rating_bars, title=_("服务评价各等级占比"), unit="%", target_label=""),
        "time": target_bars(time_bars, title=_("各类用户平均办电用时与时限"), unit=_("工作日"), target_label=_("时限")),
        "reliability": target_bars(
            area_bars, title=_("各类供电区域户均停电时间与目标"), unit=_("小时/户"), target_label=_("目标")
        ),
    }


@require_safe
def statistics_page(request: HttpRequest) -> HttpResponse:
    policy = active_policy()
    context: dict[str, Any] = {
        "policy": guide.policy_header(policy),
        "years": list(reversed(years())),
        "counties": list(policy.counties.items()),
    }
    try:
        year, county = read_query(request)
    except ServiceError as exc:
        context["error"] = str(exc)
        return render(request, "disclosure/statistics.html", context, status=400)
    stats = public_statistics(year, county=county)
    context |= {"stats": stats, "year": year, "county": county, "charts": _charts(stats)}
    return render(request, "disclosure/statistics.html", context)


def _refusal(exc: ServiceError) -> HttpResponse:
    return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")


@require_safe
def statistics_csv(request: HttpRequest) -> HttpResponse:
    """The figures as CSV: one row per figure, each with the generation time and the policy."""
    try:
        year, county = read_query(request)
    except ServiceError as exc:
        return _refusal(exc)
    stats = public_statistics(year, county=county)
    about = dict(_about(stats))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*TABLE_FIELDS, "year", "county", "generated_at", "policy"])
    for row in table_rows(stats):
        values = ["" if row[f] is None else row[f] for f in TABLE_FIELDS]
        writer.writerow([*values, about["year"], about["county"], about["generated_at"], about["policy"]])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="statistics-{year}-{county or "all"}.csv"'
    return response


@require_safe
def statistics_xlsx(request: HttpRequest) -> HttpResponse:
    """The figures as an Excel workbook: sheet "statistics", and "about" with the generation time
    and the policy in force."""
    try:
        year, county = read_query(request)
    except ServiceError as exc:
        return _refusal(exc)
    stats = public_statistics(year, county=county)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "statistics"
    sheet.append(list(TABLE_FIELDS))
    for row in table_rows(stats):
        sheet.append([row[f] for f in TABLE_FIELDS])
    about = book.create_sheet("about")
    for name, value in _about(stats):
        about.append([name, value])
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="statistics-{year}-{county or "all"}.xlsx"'
    return response
