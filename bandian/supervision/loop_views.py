"""The supervision loop's pages: the rectification list and its items, the annual plans.

Views are thin: check the rule (`rules`), call the service, render. Refusals of a service show
on the page with status 400 (or 409 for a state conflict) and change nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from bandian.accounts.models import County
from bandian.accounts.rules import signed_in_user
from bandian.core.errors import ServiceError, StateConflict
from bandian.core.limits import parse_year
from bandian.core.text import label
from bandian.core.time import SHANGHAI
from bandian.policy.loader import active_policy
from bandian.supervision import annual, ledger, rules
from bandian.supervision.models import Action, AnnualPlan, Rectification, Source, Status, TaskStatus
from bandian.supervision.rectifications import (
    closed_in_time,
    is_overdue,
    rectification_act,
    rectification_open,
    unit_label,
)

PAGE = 200


def _today() -> dt.date:
    return timezone.now().astimezone(SHANGHAI).date()


def filtered(request: HttpRequest, items: Any) -> tuple[Any, dict[str, str]]:
    """The list's filters (?source=&status=&unit=&county=), ignoring values that are not choices."""
    chosen: dict[str, str] = {}
    for name, values in (
        ("source", Source.values),
        ("status", Status.values),
        ("unit", list(active_policy().supervision.units)),
    ):
        value = request.GET.get(name, "")
        if value in values:
            items = items.filter(**{name: value})
            chosen[name] = value
    return items, chosen


def unit_figures(items: list[Rectification], *, today: dt.date) -> list[dict[str, Any]]:
    """Per responsible unit: open, overdue, closed, closed in time."""
    rows: dict[str, Counter[str]] = {}
    for item in items:
        c = rows.setdefault(item.unit, Counter())
        if item.status == Status.VERIFIED:
            c["closed"] += 1
            c["closed_in_time"] += int(closed_in_time(item))
        else:
            c["open"] += 1
            c["overdue"] += int(is_overdue(item, today=today))
    return [{"unit": code, "name": unit_label(code), **counts} for code, counts in sorted(rows.items())]


class OpenForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("问题"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("情况说明"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000
    )
    unit = forms.ChoiceField(label=gettext_lazy("责任单位"))
    county = forms.ChoiceField(label=gettext_lazy("县（市）"), required=False)
    subject = forms.CharField(label=gettext_lazy("涉及对象（申请编号、工单号等）"), max_length=100, required=False)
    due_on = forms.DateField(label=gettext_lazy("整改期限"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field: Any = self.fields["unit"]
        county_field: Any = self.fields["county"]
        unit_field.choices = [(code, unit_label(code)) for code in active_policy().supervision.units]
        county_field.choices = [("", _("全州"))] + [(c.adcode, c.name) for c in County.objects.order_by("adcode")]


class ActForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in Action.values if a != Action.OPENED])
    note = forms.CharField(required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    measures = forms.CharField(required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    evidence = forms.FileField(required=False)


@login_required
def rectification_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not rules.can_view_rectifications(user):
        raise PermissionDenied(_("只有监管人员和责任单位可以查看问题清单"))
    today = _today()
    visible = rules.visible_rectifications(user)
    items, chosen = filtered(request, visible.select_related("county"))
    form = OpenForm() if rules.can_open_rectification(user) else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("只有监管人员可以列入问题"))
        form = OpenForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                item, _created = rectification_open(
                    source=Source.INSPECTION,
                    title=data["title"],
                    description=data["description"],
                    unit=data["unit"],
                    county=data["county"] or None,
                    subject=data["subject"],
                    due_on=data["due_on"],
                    actor=user,
                )
            except ServiceError as exc:
                form.add_error(None, str(exc))
            else:
                return redirect("supervision:rectification", no=item.no)
        status = 400
    shown = list(items[:PAGE])
    context = {
        "items": [{"item": i, "unit_name": unit_label(i.unit), "overdue": is_overdue(i, today=today)} for i in shown],
        "total": items.count(),
        "shown": len(shown),
        "by_unit": unit_figures(list(visible.only("unit", "status", "due_on", "closed_at")), today=today),
        "sources": Source.choices,
        "statuses": Status.choices,
        "units": [(code, unit_label(code)) for code in active_policy().supervision.units],
        "chosen": chosen,
        "form": form,
    }
    return render(request, "supervision/rectifications.html", context, status=status)


@login_required
def rectification_detail(request: HttpRequest, no: str) -> HttpResponse:
    user = signed_in_user(request)
    item = get_object_or_404(rules.visible_rectifications(user), no=no)
    error = ""
    status = 200
    if request.method == "POST":
        form = ActForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                rectification_act(
                    item,
                    action=data["action"],
                    actor=user,
                    note=data["note"],
                    measures=data["measures"],
                    evidence=data["evidence"],
                )
            except StateConflict as exc:
                error, status = str(exc), 409
            except ServiceError as exc:
                error, status = str(exc), 400
            else:
                return redirect("supervision:rectification", no=item.no)
        else:
            error, status = _("请检查填写的内容"), 400
        item.refresh_from_db()
    can_rectify = rules.can_rectify(user, item)
    supervisor = rules.can_open_rectification(user)
    context = {
        "item": item,
        "unit_name": unit_label(item.unit),
        "overdue": is_overdue(item, today=_today()),
        "log": item.log.select_related("actor").order_by("seq"),
        "error": error,
        "can_start": can_rectify and item.status == Status.OPEN,
        "can_submit": can_rectify and item.status in (Status.OPEN, Status.RECTIFYING),
        "can_verify": rules.can_verify(user, item) and item.status == Status.SUBMITTED,
        "can_send_back": supervisor and item.status == Status.SUBMITTED,
        "can_reopen": supervisor and item.status == Status.VERIFIED,
        "can_comment": can_rectify or supervisor,
    }
    return render(request, "supervision/rectification.html", context, status=status)


class PlanForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2099)
    title = forms.CharField(label=pgettext_lazy("document", "标题"), max_length=200)
    file = forms.FileField(label=gettext_lazy("文件（PDF）"))


class InterimForm(forms.Form):
    title = forms.CharField(label=pgettext_lazy("document", "标题"), max_length=200)
    text = forms.CharField(
        label=gettext_lazy("阶段性成效和突出问题"), widget=forms.Textarea(attrs={"rows": 5}), max_length=10000
    )
    file = forms.FileField(label=gettext_lazy("附件"), required=False)


@login_required
def annual_plans(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not rules.can_view_annual_plans(user):
        raise PermissionDenied(_("只有监管人员和责任单位可以查看年度实施方案"))
    can_file = rules.can_file_annual_plan(user)
    plan_form = PlanForm(initial={"year": _today().year}) if can_file else None
    interim_form = InterimForm() if can_file else None
    status = 200
    if request.method == "POST":
        if not can_file:
            raise PermissionDenied(_("只有供电企业的管理员可以报送"))
        try:
            if request.POST.get("kind") == "interim":
                interim_form = InterimForm(request.POST, request.FILES)
                if interim_form.is_valid():
                    d = interim_form.cleaned_data
                    annual.interim_report_file(title=d["title"], text=d["text"], upload=d["file"], actor=user)
                    return redirect("supervision:annual_plans")
            else:
                plan_form = PlanForm(request.POST, request.FILES)
                if plan_form.is_valid():
                    d = plan_form.cleaned_data
                    annual.annual_plan_file(year=d["year"], title=d["title"], upload=d["file"], actor=user)
                    return redirect("supervision:annual_plans")
            status = 400
        except StateConflict as exc:
            (interim_form if request.POST.get("kind") == "interim" else plan_form).add_error(None, str(exc))  # type: ignore[union-attr]
            status = 409
        except ServiceError as exc:
            (interim_form if request.POST.get("kind") == "interim" else plan_form).add_error(None, str(exc))  # type: ignore[union-attr]
            status = 400
    units = active_policy().supervision.units
    recipients = "、".join(unit_label(u) for u in active_policy().supervision.annual_plan.recipients if u in units)
    context = {
        "lines": annual.plan_lines(today=_today()),
        "reports": annual.interim_reports(),
        "plan_form": plan_form,
        "interim_form": interim_form,
        "recipients": recipients,
    }
    return render(request, "supervision/annual_plans.html", context, status=status)


@login_required
def annual_plan_download(request: HttpRequest, year: int) -> FileResponse:
    user = signed_in_user(request)
    if not rules.can_view_annual_plans(user):
        raise PermissionDenied(_("只有监管人员和责任单位可以查看年度实施方案"))
    plan = get_object_or_404(AnnualPlan, year=year)
    return FileResponse(plan.file.open("rb"), filename=plan.original_name or f"{year}.pdf")


class LedgerForm(forms.Form):
    unit = forms.ChoiceField(label=gettext_lazy("责任单位"))
    measures = forms.CharField(
        label=gettext_lazy("工作措施"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    progress = forms.CharField(
        label=gettext_lazy("进展情况"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    started_on = forms.DateField(
        label=gettext_lazy("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    planned_on = forms.DateField(
        label=gettext_lazy("计划完成日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    done_on = forms.DateField(
        label=gettext_lazy("完成日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    evidence = forms.FileField(label=gettext_lazy("佐证材料（PDF、JPEG 或 PNG）"), required=False)

    def __init__(self, *args: Any, units: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["unit"]
        field.choices = [(u, unit_label(u)) for u in units]


class ReviewForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("任务状态"), choices=TaskStatus.choices)
    comment = forms.CharField(
        label=gettext_lazy("监管意见"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000, required=False
    )


def _ledger_year(request: HttpRequest) -> tuple[int, str]:
    this_year = _today().year
    return parse_year(request.GET.get("year"), default=this_year, years=range(this_year - 1, this_year + 1))


@login_required
def ledger_page(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not rules.can_view_ledger(user):
        raise PermissionDenied(_("只有监管人员和责任单位可以查看重点任务台账"))
    year, error = _ledger_year(request)
    context: dict[str, Any] = {
        "year": year,
        "years": range(_today().year, _today().year - 2, -1),
        "error": error,
        "tasks": [],
    }
    if error:
        return render(request, "supervision/ledger.html", context, status=400)
    for line in ledger.ledger(year):
        shown = rules.ledger_units_shown(user, line.task.units)
        if not shown:
            continue
        context["tasks"].append(
            {
                "line": line,
                "name": label(line.task),
                "units": [{"u": u, "name": unit_label(u.unit)} for u in line.units if u.unit in shown],
                "stale": any(u.stale for u in line.units if u.unit in shown),
            }
        )
    context["stale_days"] = active_policy().supervision.ledger_stale_days
    return render(request, "supervision/ledger.html", context)


@login_required
def ledger_task(request: HttpRequest, year: int, task: int) -> HttpResponse:
    user = signed_in_user(request)
    if not rules.can_view_ledger(user):
        raise PermissionDenied(_("只有监管人员和责任单位可以查看重点任务台账"))
    try:
        spec = ledger.key_task(task)
    except ServiceError as exc:
        raise Http404(str(exc)) from exc
    shown = rules.ledger_units_shown(user, spec.units)
    if not shown:
        raise Http404(_("不是您单位的任务"))
    mine = [u for u in spec.units if u in rules.units_of(user)]
    update_form = LedgerForm(units=mine) if mine else None
    review_form = ReviewForm() if rules.can_open_rectification(user) else None
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("kind") == "review":
                if review_form is None:
                    raise PermissionDenied(_("只有监管人员可以评定任务状态"))
                review_form = ReviewForm(request.POST)
                if review_form.is_valid():
                    d = review_form.cleaned_data
                    ledger.task_review(year=year, task=task, status=d["status"], comment=d["comment"], actor=user)
                    return redirect("supervision:ledger_task", year=year, task=task)
            else:
                if update_form is None:
                    raise PermissionDenied(_("只有责任单位可以更新台账"))
                update_form = LedgerForm(request.POST, request.FILES, units=mine)
                if update_form.is_valid():
                    d = update_form.cleaned_data
                    ledger.ledger_update(year=year, task=task, actor=user, **d)
                    return redirect("supervision:ledger_task", year=year, task=task)
            status = 400
        except ServiceError as exc:
            form = review_form if request.POST.get("kind") == "review" else update_form
            assert form is not None
            form.add_error(None, str(exc))
            status = 400
    context = {
        "year": year,
        "task": spec,
        "name": label(spec),
        "units": "、".join(unit_label(u) for u in spec.units),
        "entries": [
            {"e": e, "unit_name": unit_label(e.unit)} for e in ledger.entries_of(year, task) if e.unit in shown
        ],
        "reviews": ledger.reviews_of(year, task),
        "update_form": update_form,
        "review_form": review_form,
    }
    return render(request, "supervision/ledger_task.html", context, status=status)
