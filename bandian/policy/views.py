"""The public page of the policy in force: every number of the plan, in the applicant's language."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from bandian.core.text import label
from bandian.policy.loader import active_policy
from bandian.policy.schema import Policy


def _clock(name: str) -> str:
    return {
        "full_process": _("全过程办电时间（申请至装表接电，扣除客户原因暂停）"),
        "utility": _("合计办理时间（扣除客户原因暂停和外线工程审批）"),
        "approval": _("电力接入工程审批时间"),
    }[name]


def _period(start: dt.date, end: dt.date | None) -> str:
    return _("%(start)s 起") % {"start": start} if end is None else f"{start} – {end}"


def policy_context(policy: Policy) -> dict[str, Any]:
    """What the page shows, with every code turned into its label."""
    stages = {code: label(stage) for code, stage in policy.stages.items()}
    documents = {code: label(doc) for code, doc in policy.documents.items()}
    classes = []
    for code, rule in policy.classes.items():
        classes.append(
            {
                "code": code,
                "label": label(rule),
                "voltage": _("低压") if rule.voltage == "low" else _("高压 10(20) kV"),
                "clock": _clock(rule.clock),
                "limits": [
                    {
                        "period": _period(limit.valid_from, limit.valid_to),
                        "total": limit.total,
                        "split": [(stages[s], limit.steps[s]) for s in rule.steps],
                    }
                    for limit in rule.limits
                ],
                "steps": [stages[s] for s in rule.steps],
                "steps_max": rule.steps_max,
                "documents": [documents[d] for d in rule.documents],
                "documents_max": rule.documents_max,
                "visits_max": rule.visits_max,
            }
        )
    zero_investment = [
        {
            "label": label(rule),
            "counties": [policy.counties[c] for c in rule.counties] or [_("全州各县（市）")],
            "area": {True: _("城区"), False: _("农村地区"), None: _("城区和农村")}[rule.urban],
            "max_kw": rule.max_kw,
            "from": rule.valid_from,
        }
        for rule in policy.zero_investment
    ]
    reliability = [
        {
            "years": str(t.from_year)
            if t.to_year == t.from_year
            else (_("%(year)s 年起") % {"year": t.from_year} if t.to_year is None else f"{t.from_year}–{t.to_year}"),
            "targets": list(t.by_area().values()),
        }
        for t in policy.reliability
    ]
    access_limits = [
        {
            "period": _period(lim.valid_from, lim.valid_to),
            "low": lim.low_voltage_workdays,
            "high": lim.high_voltage_workdays,
        }
        for lim in policy.approval.access_limits
    ]
    parallel_limits = [
        {"period": _period(lim.valid_from, lim.valid_to), "workdays": lim.workdays}
        for lim in policy.approval.parallel_limits
    ]
    return {
        "policy": policy,
        "access_limits": access_limits,
        "parallel_limits": parallel_limits,
        "classes": classes,
        "zero_investment": zero_investment,
        "reliability": reliability,
        "pause_reasons": [(code, label(reason)) for code, reason in policy.pause_reasons.items()],
        "warning_percent": round(policy.counting.warning_share * 100),
    }


@require_safe
def show(request: HttpRequest) -> HttpResponse:
    return render(request, "policy/show.html", policy_context(active_policy()))
