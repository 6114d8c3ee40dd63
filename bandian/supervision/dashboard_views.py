"""The dashboard page (/supervision/), its monthly report (Excel, PDF) and the sparkline of a trend."""

from __future__ import annotations

import io
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from openpyxl import Workbook

from bandian.core.limits import ascii_int, parse_year
from bandian.core.time import SHANGHAI
from bandian.policy.loader import active_policy
from bandian.supervision import rules
from bandian.supervision.dashboard import (
    AT_RISK,
    FIRST_YEAR,
    MET,
    MISSED,
    NO_DATA,
    DashboardData,
    Target,
    county_overview,
    dashboard,
)


def status_label(status: str) -> str:
    return {MET: _("达标"), AT_RISK: _("有风险"), MISSED: _("未达标"), NO_DATA: _("数据不足")}[status]


def value_text(unit: str, value: float | None) -> str:
    if value is None:
        return "—"
    if unit == "share":
        return f"{value * 100:.1f}%"
    if unit == "hours":
        return f"{value:.2f}"
    return f"{value:.0f}"


def sparkline(t: Target) -> SafeString:
    """A 12-month line of a share target (0–100 %), with the months' values in its title."""
    points = [(m, v) for m, v in enumerate(t.trend, start=1) if v is not None]
    if not points:
        return SafeString("")
    w, h = 120, 28
    coords = " ".join(f"{(m - 1) * w / 11:.1f},{h - 2 - v * (h - 4):.1f}" for m, v in points)
    title = "；".join(f"{m}月 {value_text(t.unit, v)}" for m, v in points)
    return format_html(
        '<svg class="sparkline" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{title}">'
        '<title>{title}</title><polyline fill="none" stroke="#5b7083" stroke-width="1.5" points="{coords}"/></svg>',
        w=w,
        h=h,
        title=title,
        coords=coords,
    )


def _scope(request: HttpRequest) -> tuple[int, str | None, int | None, str]:
    """The year, county and month asked for, and an error in words ("" when none)."""
    this_year = timezone.now().astimezone(SHANGHAI).year
    year, error = parse_year(request.GET.get("year"), default=this_year, years=range(FIRST_YEAR, this_year + 1))
    county = request.GET.get("county") or None
    if county is not None and county not in active_policy().counties:
        return year, None, None, _("未知的县（市）：%(c)s") % {"c": county[:20]}
    month_raw = request.GET.get("month")
    month = None
    if month_raw:
        month = ascii_int(month_raw, max_digits=2)
        if month is None or not 1 <= month <= 12:
            return year, county, None, _("月份应为 1 至 12")
    return year, county, month, error


def _rows(board: DashboardData) -> list[dict[str, Any]]:
    return [
        {
            "t": t,
            "value": value_text(t.unit, t.value),
            "status": status_label(t.status),
            "spark": sparkline(t) if t.unit == "share" else "",
        }
        for t in board.targets
    ]


@login_required
def dashboard_page(request: HttpRequest) -> HttpResponse:
    if not rules.can_view_compliance(request.user):
        raise PermissionDenied(_("只有监管人员和系统管理员可以查看"))
    year, county, _month, error = _scope(request)
    this_year = timezone.now().astimezone(SHANGHAI).year
    context: dict[str, Any] = {
        "year": year,
        "years": range(this_year, FIRST_YEAR - 1, -1),
        "county": county,
        "counties": list(active_policy().counties.items()),
        "error": error,
    }
    if error:
        return render(request, "supervision/dashboard.html", context, status=400)
    board = dashboard(year, county=county)
    context |= {
        "board": board,
        "rows": _rows(board),
        "counts": board.counts(),
        "months": range(1, 13),
    }
    return render(request, "supervision/dashboard.html", context)


@login_required
def counties_page(request: HttpRequest) -> HttpResponse:
    """The 16 counties side by side: how many targets each meets, risks and misses."""
    if not rules.can_view_compliance(request.user):
        raise PermissionDenied(_("只有监管人员和系统管理员可以查看"))
    year, _county, _month, error = _scope(request)
    this_year = timezone.now().astimezone(SHANGHAI).year
    context: dict[str, Any] = {"year": year, "years": range(this_year, FIRST_YEAR - 1, -1), "error": error}
    if error:
        return render(request, "supervision/counties.html", context, status=400)
    context["overview"] = county_overview(year)
    return render(request, "supervision/counties.html", context)


def month_report_rows(board: DashboardData, month: int) -> list[list[str]]:
    header = [_("指标"), _("限值"), _("本月"), _("本年累计"), _("状态")]
    rows = [header]
    for t in board.targets:
        monthly = t.trend[month - 1] if len(t.trend) >= month else None
        rows.append(
            [t.name, t.limit_text, value_text(t.unit, monthly), value_text(t.unit, t.value), status_label(t.status)]
        )
    return rows


def _title(board: DashboardData, month: int) -> str:
    scope = board.county_name or _("全州")
    return _("%(scope)s %(y)s 年 %(m)s 月“获得电力”监管月报") % {"scope": scope, "y": board.year, "m": month}


@login_required
def month_report(request: HttpRequest, fmt: str) -> HttpResponse:
    """The month's report (?year=&month=&county=) as Excel or PDF, in Chinese."""
    if not rules.can_view_compliance(request.user):
        raise PermissionDenied(_("只有监管人员和系统管理员可以查看"))
    year, county, month, error = _scope(request)
    if error or month is None:
        return HttpResponse(
            error or _("请指定月份（month=1–12）"), status=400, content_type="text/plain; charset=utf-8"
        )
    board = dashboard(year, county=county)
    rows = month_report_rows(board, month)
    title = _title(board, month)
    name = f"supervision-{year}-{month:02d}{'-' + county if county else ''}"
    if fmt == "xlsx":
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = f"{year}-{month:02d}"
        sheet.append([title])
        sheet.append([_("生成时间"), board.generated_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")])
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(
            buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    else:
        from bandian.core.pdf import FontMissing
        from bandian.supervision.report_pdf import month_report_pdf

        try:
            content = month_report_pdf(title, rows, board)
        except FontMissing as exc:
            return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
        response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
