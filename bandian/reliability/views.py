"""The reliability dashboard (requirements §6): a year's figures by area class against the
policy's targets, the monthly trend, the year to date with its projection, and the feeders and
transformers whose users lost the most hours. Thin: check the rule, read the selector, render."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from bandian.core.limits import parse_year
from bandian.core.time import SHANGHAI
from bandian.grid.enums import AREA_LABELS
from bandian.policy.areas import AREA_CLASSES
from bandian.policy.loader import active_policy
from bandian.reliability import charts, rules, selectors
from bandian.reliability.engine import CEMI_N, Figures
from bandian.workdays.selectors import calendar_years

SELECTOR_FROM = 2020


def _area_label(area: str) -> str:
    return str(AREA_LABELS[area]) if area in AREA_LABELS else area


def _fixed(x: float | None, digits: int = 3) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def _percent(x: float | None, digits: int = 1) -> str:
    return "—" if x is None else f"{x * 100:.{digits}f}%"


def verdict(
    *, meets: bool | None, target: float | None, projection: float | None, partial: bool
) -> tuple[str, bool | None]:
    """Met or missed in words (never colour alone), and whether it is good news.

    `meets` is the engine's exact decision (`Figures.meets_target`: SAIDI ≤ target in exact
    arithmetic), never a comparison of the rounded figure: 1.9000003 h misses a 1.9 h target
    although it shows as 1.900."""
    if target is None or meets is None:
        return _("无目标") if target is None else "—", None
    if not partial:
        # Lower case like the other verdicts here; elsewhere 达标 is a badge ("Met").
        return (pgettext("verdict", "达标") if meets else pgettext("verdict", "未达标")), meets
    if not meets:
        return _("已超出全年目标"), False
    if projection is None:
        return _("不足一周，暂不预计"), None
    if projection > target:
        return _("预计未达标"), False
    return _("预计达标"), True


def _row(
    name: str, f: Figures, *, target: float | None = None, projection: float | None = None, partial: bool = False
) -> dict[str, Any]:
    words, good = verdict(meets=f.meets_target, target=target, projection=projection, partial=partial)
    return {
        "name": name,
        "users": f.users,
        "cells": [
            _fixed(f.user_years, 2),
            _fixed(f.saidi_hours),
            _fixed(f.saifi),
            _fixed(f.caidi_hours),
            _percent(f.rs1, 4),
            _percent(f.rs2, 4),
            _percent(f.rs3, 4),
            _fixed(f.planned_hours),
            _fixed(f.fault_hours),
            str(f.momentary_count),
            *(_percent(None if f.cemi is None else f.cemi[str(n)]) for n in CEMI_N),
            _percent(f.celid_8h),
        ],
        "target": "—" if target is None else f"{target:g}",
        "projection": _fixed(projection),
        "verdict": words,
        "good": good,
    }


def _rows_url(year: int, **where: str) -> str:
    """The per-user interruption rows behind a ranked feeder or transformer, for the year."""
    return reverse("outages:interruptions") + "?" + urlencode({**where, "year": str(year)})


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    if not rules.can_view_reliability(request.user):
        raise PermissionDenied(_("只有监管人员、系统管理员和供电企业员工可以查看供电可靠性"))
    now = timezone.now()
    this_year = now.astimezone(SHANGHAI).year
    # The calendar's years, but no year that has not started.
    years = range(calendar_years(this_year=this_year).start, this_year + 1)
    year, error = parse_year(request.GET.get("year"), default=this_year, years=years)
    context: dict[str, Any] = {"year": year, "years": range(this_year, SELECTOR_FROM - 1, -1), "error": error}
    if error:
        return render(request, "reliability/dashboard.html", context, status=400)
    board = selectors.dashboard(year, now=now)
    context.update(_context(board))
    return render(request, "reliability/dashboard.html", context)


def _context(board: selectors.Dashboard) -> dict[str, Any]:
    report, targets, partial = board.report, board.targets or {}, board.partial
    counties = active_policy().counties
    areas = []
    bars = []
    for area in AREA_CLASSES:
        f = report.by_area[area]
        projection = board.projection.get(area)
        row = _row(_area_label(area), f, target=targets.get(area), projection=projection, partial=partial)
        row["key"] = area
        areas.append(row)
        bars.append(
            charts.Bar(
                label=_area_label(area),
                value=f.saidi_hours,
                target=targets.get(area),
                projection=projection if partial else None,
                verdict=row["verdict"],
                met=row["good"],
            )
        )
    title = (_("%(y)s 年平均停电时间（年初至今及预计全年）") if partial else _("%(y)s 年平均停电时间（SAIDI）")) % {
        "y": board.year
    }
    bar_chart = charts.target_bars(
        bars,
        title=title,
        unit=_("小时/户"),
        target_label=_("目标"),
        projection_label=_("预计全年") if partial else "",
    )
    month_labels = [_("%(m)s 月") % {"m": m} for m in range(1, 13)]
    trend = []
    for area in AREA_CLASSES:
        values = [m.report.by_area[area].saidi_hours for m in board.months]
        target = targets.get(area)
        budget = None if target is None else target / 12
        trend.append(
            mark_safe(  # noqa: S308 - charts escape every label they draw
                charts.monthly_bars(
                    values,
                    title=_area_label(area),
                    month_labels=month_labels,
                    budget=budget,
                    budget_label=_("全年目标的 1/12"),
                    y_max=max((v or 0 for v in values), default=0),
                )
            )
        )
    month_rows = [
        {
            "label": month_labels[m.number - 1],
            "partial": m.end < selectors.month_bounds(board.year, m.number)[1],
            "cells": [_fixed(m.report.by_area[a].saidi_hours) for a in AREA_CLASSES]
            + [_fixed(m.report.total.saidi_hours)],
        }
        for m in board.months
    ]

    def ranked(items: list[selectors.Ranked], kind: str) -> list[dict[str, Any]]:
        return [
            {
                "item": r,
                "area": _area_label(r.area_class),
                "rows_url": _rows_url(board.year, **{kind: r.code}),
            }
            for r in items
        ]

    return {
        "board": board,
        "partial": partial,
        "as_of": board.end.astimezone(SHANGHAI),
        "elapsed_percent": f"{board.elapsed_share * 100:.1f}",
        "has_targets": bool(targets),
        "bar_chart": mark_safe(bar_chart),  # noqa: S308 - charts escape every label they draw
        "areas": areas,
        "county_rows": [_row(counties.get(code, code), f) for code, f in report.by_county.items()],
        "total_row": _row(_("全州合计"), report.total),
        "cemi_n": CEMI_N,
        "area_names": [_area_label(a) for a in AREA_CLASSES],
        "trend": trend,
        "month_rows": month_rows,
        "worst_feeders": ranked(board.worst_feeders, "feeder"),
        "worst_transformers": ranked(board.worst_transformers, "transformer"),
        "unmatched": report.unmatched_rows,
    }
