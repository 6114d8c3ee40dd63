"""Supervisors' pages. Views are thin: check the rule, compute, render."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bandian.applications.compliance import compliance_summary
from bandian.core.limits import parse_year
from bandian.core.text import label
from bandian.core.time import SHANGHAI
from bandian.permits.report import approvals_report, report_dict
from bandian.policy.loader import active_policy
from bandian.policy.schema import PolicyGap
from bandian.supervision import rules
from bandian.supervision.selectors import backfilled_applications
from bandian.workdays.calendar import CalendarYearMissing
from bandian.workdays.selectors import calendar_years

WORST_CASES = 10


def _detail_url(no: str) -> str:
    try:
        return reverse("applications:detail", kwargs={"no": no})
    except NoReverseMatch:
        return ""


def _expected(check: str | None) -> str:
    """The class a `class_check` says the policy expects ("expected lv_sanling" → lv_sanling)."""
    return (check or "").removeprefix("expected ")


@login_required
def compliance(request: HttpRequest) -> HttpResponse:
    if not rules.can_view_compliance(request.user):
        raise PermissionDenied(_("只有监管人员和系统管理员可以查看"))
    this_year = timezone.now().astimezone(SHANGHAI).year
    year, error = parse_year(request.GET.get("year"), default=this_year, years=calendar_years(this_year=this_year))
    context: dict[str, Any] = {
        "year": year,
        "years": range(this_year, this_year - 8, -1),
        "error": error,
        "classes": [],
        "worst": [],
        "backfilled": [],
        "misclassified": [],
        "misclassified_total": 0,
        "total": 0,
    }
    if error:
        return render(request, "supervision/compliance.html", context, status=400)
    policy = active_policy()
    try:
        report = compliance_summary(year, policy=policy, worst=WORST_CASES)
    except CalendarYearMissing as exc:
        context["error"] = _("工作日历缺少 %(y)s 年的数据，无法计算") % {"y": exc.year}
        return render(request, "supervision/compliance.html", context, status=503)
    except PolicyGap as exc:
        context["error"] = _("服务标准中没有适用的时限：%(e)s") % {"e": exc}
        return render(request, "supervision/compliance.html", context, status=503)
    context["total"] = report.total
    for code, summary in report.by_class.items():
        rule = policy.classes[code]
        context["classes"].append(
            {
                "code": code,
                "name": label(rule),
                "clock": rule.clock,
                "limits": "、".join(str(n) for n in summary.limits_workdays),
                "summary": summary,
                "late": summary.count - summary.within_limit,
                "approval_limits": "、".join(str(n) for n in summary.approval_limits_workdays),
                "approval_late": summary.with_approval - summary.approval_within_limit,
            }
        )
    names: dict[str, str] = {code: label(rule) for code, rule in policy.classes.items()}
    context["worst"] = [
        {"app": a, "url": _detail_url(a.no), "class_name": names.get(a.customer_class, a.customer_class)}
        for a in report.worst
    ]
    context["misclassified"] = [
        {
            "app": a,
            "url": _detail_url(a.no),
            "class_name": names.get(a.customer_class, a.customer_class),
            "expected_name": names.get(_expected(a.class_check), _expected(a.class_check)),
        }
        for a in report.misclassified
    ]
    context["misclassified_total"] = report.misclassified_total
    context["backfilled"] = [
        {
            "no": row["application__no"],
            "url": _detail_url(row["application__no"]),
            "class_name": names.get(row["application__customer_class"], row["application__customer_class"]),
            "county": row["application__county__name"],
            "events": row["events"],
            "last_received": row["last_received"],
        }
        for row in backfilled_applications(year)
    ]
    return render(request, "supervision/compliance.html", context)


@login_required
def approvals(request: HttpRequest) -> HttpResponse:
    """The parallel approval of external line works: figures per department and item type, and
    the items and restorations overdue (bandian.permits.stats says how each figure is counted)."""
    if not rules.can_view_compliance(request.user):
        raise PermissionDenied(_("只有监管人员和系统管理员可以查看"))
    this_year = timezone.now().astimezone(SHANGHAI).year
    year, error = parse_year(request.GET.get("year"), default=this_year, years=calendar_years(this_year=this_year))
    context: dict[str, Any] = {"year": year, "years": range(this_year, this_year - 8, -1), "error": error}
    if error:
        return render(request, "supervision/approvals.html", context, status=400)
    policy = active_policy()
    try:
        stats, names = approvals_report(year, policy=policy)
    except CalendarYearMissing as exc:
        context["error"] = _("工作日历缺少 %(y)s 年的数据，无法计算") % {"y": exc.year}
        return render(request, "supervision/approvals.html", context, status=503)
    data = report_dict(stats, names, policy)
    item_names = {code: label(spec) for code, spec in policy.permits.items.items()}
    for code, figures in data["by_item_type"].items():
        figures["name"] = item_names.get(code, code)
    context.update(
        {
            "by_department": data["by_department"],
            "by_item_type": data["by_item_type"],
            "total": data["total"],
            "overdue_items": [
                {"row": r, "department": names.get(r.department, r.department), "item": item_names.get(r.item_type)}
                for r in stats.overdue_items
            ],
            "overdue_restorations": [
                {"row": r, "department": names.get(r.department, r.department), "item": item_names.get(r.item_type)}
                for r in stats.overdue_restorations
            ],
        }
    )
    return render(request, "supervision/approvals.html", context)
