"""Back-office pages of outage notices: planned outages (list, announce, change, cancel, begin),
repair progress on an outage event, and rationing orders with the unauthorised-rationing flags.
Thin: check the rule, call one service, render or redirect; a refusal shows its message and a
rejected form keeps what was typed."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bandian.accounts.models import User
from bandian.core.errors import ServiceError
from bandian.grid import history
from bandian.notify.selectors import ref_summary
from bandian.outages import faults, notices, planned, rationing, rules, selectors, services
from bandian.outages.enums import PlanStatus
from bandian.outages.forms import OrderForm, PlanBeginForm, PlanCancelForm, PlanChangeForm, PlanForm, ProgressForm
from bandian.outages.models import Notice, OutageEvent, PlannedOutage, RationingOrder

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def notice_context(request: HttpRequest, reference: str, county_id: str) -> dict[str, Any]:
    """The notices of an outage and, for those who may see them, their messages."""
    user = _user(request)
    context: dict[str, Any] = {"notices": Notice.objects.filter(reference=reference).order_by("at", "pk")}
    if rules.can_see_notices(user, county_id):
        page = Paginator(notices.messages_of(reference), PAGE_SIZE).get_page(request.GET.get("page"))
        context |= {"message_page": page, "message_summary": ref_summary(reference)}
    return context


@login_required
def planned_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not rules.can_view_outages(user):
        raise PermissionDenied
    plans = PlannedOutage.objects.select_related("county", "feeder").order_by("-start", "-pk")
    status = request.GET.get("status", "")
    if status in PlanStatus.values:
        plans = plans.filter(status=status)
    page = Paginator(plans, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "statuses": PlanStatus.choices,
        "can_plan": rules.can_record_outages(user),
    }
    return render(request, "outages/planned_list.html", context)


@login_required
def planned_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not rules.can_record_outages(user):
        raise PermissionDenied
    posted = request.method == "POST"
    form = PlanForm(request.POST if posted else None, counties=rules.recordable_county_ids(user))
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            plan, notified = planned.planned_create(
                feeder=data["feeder"], transformers=data["transformers"], start=data["start"], end=data["end"],
                works=data["works"], area=data["area"], temporary=data["temporary"], actor=user,
            )  # fmt: skip
        except ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("计划停电 %(ref)s 已公告，已通知 %(n)d 户。") % {"ref": plan.reference, "n": notified}
            )
            return redirect("outages:planned_detail", reference=plan.reference)
    rule = _("计划停电须至少提前 %(d)d 天、临时检修须至少提前 %(h)d 小时通知客户。") % {
        "d": planned.notice_period(False).days, "h": planned.notice_period(True).total_seconds() // 3600,
    }  # fmt: skip
    return render(request, "outages/planned_new.html", {"form": form, "rule": rule}, status=400 if posted else 200)


def _plan(request: HttpRequest, reference: str) -> PlannedOutage:
    if not rules.can_view_outages(_user(request)):
        raise PermissionDenied
    plan = selectors.plan_by_reference(reference)
    if plan is None:
        raise Http404("no such planned outage")
    return plan


def _plan_page(
    request: HttpRequest, plan: PlannedOutage, forms: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    user = _user(request)
    can_change = rules.can_plan_in(user, plan.county_id) and plan.status == PlanStatus.ANNOUNCED
    forms = forms or {}
    context = {
        "plan": plan,
        "transformers": plan.transformers.order_by("code"),
        "lead": plan.start - plan.start_announced_at,
        "in_time": plan.start - plan.start_announced_at >= planned.notice_period(plan.temporary),
        "can_change": can_change,
        "change_form": forms.get("change")
        or (PlanChangeForm(initial={"start": plan.start, "end": plan.end}) if can_change else None),
        "cancel_form": forms.get("cancel") or (PlanCancelForm() if can_change else None),
        "begin_form": forms.get("begin")
        or (PlanBeginForm(initial={"at": max(timezone.now(), plan.start)}) if can_change else None),
        "history": history.history_of(plan),
        **notice_context(request, plan.reference, plan.county_id),
    }
    return render(request, "outages/planned_detail.html", context, status=status)


@login_required
def planned_detail(request: HttpRequest, reference: str) -> HttpResponse:
    return _plan_page(request, _plan(request, reference))


def _plan_to_change(request: HttpRequest, reference: str) -> PlannedOutage:
    plan = _plan(request, reference)
    if not rules.can_plan_in(_user(request), plan.county_id):
        raise PermissionDenied
    return plan


@login_required
@require_POST
def planned_change(request: HttpRequest, reference: str) -> HttpResponse:
    plan = _plan_to_change(request, reference)
    form = PlanChangeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            planned.planned_change(
                plan=plan, start=data["start"], end=data["end"], reason=data["reason"], actor=_user(request)
            )
        except ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("停电计划已变更，已重新通知全部受影响的客户。"))
            return redirect("outages:planned_detail", reference=plan.reference)
    return _plan_page(request, plan, {"change": form}, status=400)


@login_required
@require_POST
def planned_cancel(request: HttpRequest, reference: str) -> HttpResponse:
    plan = _plan_to_change(request, reference)
    form = PlanCancelForm(request.POST)
    if form.is_valid():
        try:
            planned.planned_cancel(plan=plan, reason=form.cleaned_data["reason"], actor=_user(request))
        except ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("停电计划已取消，已通知全部受影响的客户。"))
            return redirect("outages:planned_detail", reference=plan.reference)
    return _plan_page(request, plan, {"cancel": form}, status=400)


@login_required
@require_POST
def planned_begin(request: HttpRequest, reference: str) -> HttpResponse:
    plan = _plan_to_change(request, reference)
    form = PlanBeginForm(request.POST)
    if form.is_valid():
        try:
            event = planned.planned_begin(plan=plan, actor=_user(request), at=form.cleaned_data["at"])
        except ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("计划停电已开始，转为停电事件。"))
            return redirect("outages:detail", reference=event.reference)
    return _plan_page(request, plan, {"begin": form}, status=400)


def progress_context(request: HttpRequest, event: OutageEvent, form: ProgressForm | None = None) -> dict[str, Any]:
    """What an event's page shows of its repair progress and notices, and the progress form."""
    user = _user(request)
    can_record = rules.can_plan_in(user, event.county_id) and event.closed_at is None
    if form is None and can_record:
        remaining = event.affected_users.exclude(pk__in=list(services.restored_at(event))).order_by("user_id")
        form = ProgressForm(remaining=remaining)
    return {
        "progress": event.progress.select_related("entered_by").order_by("at", "pk"),
        "estimate": faults.estimated_restoration(event),
        "progress_form": form if can_record else None,
        "plan": PlannedOutage.objects.filter(event=event).first(),
        "flags": rationing.unauthorised(event_ids=[event.reference]) if event.cause == "rationing" else [],
        **notice_context(request, event.reference, event.county_id),
    }


@login_required
@require_POST
def progress_add(request: HttpRequest, reference: str) -> HttpResponse:
    from bandian.outages import views  # the event page is rendered there

    user = _user(request)
    event = selectors.get_event_for_user(user, reference)
    if not rules.can_plan_in(user, event.county_id):
        raise PermissionDenied
    remaining = event.affected_users.exclude(pk__in=list(services.restored_at(event))).order_by("user_id")
    form = ProgressForm(request.POST, remaining=remaining)
    if form.is_valid():
        data = form.cleaned_data
        try:
            faults.progress_add(
                event=event, stage=data["stage"], estimated_restoration=data["estimated_restoration"],
                note=data["note"], users=list(data["users"]) or None, actor=user,
            )  # fmt: skip
        except ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("抢修进度已记录，已通知仍停电的客户。"))
            return redirect("outages:detail", reference=event.reference)
    return views.render_detail(request, event, progress_form=form, status=400)


@login_required
def rationing_page(request: HttpRequest) -> HttpResponse:
    """The rationing orders, the form to record one, and the unauthorised-rationing flags."""
    user = _user(request)
    if not rules.can_see_rationing(user):
        raise PermissionDenied
    counties = rules.recordable_county_ids(user)
    can_record = rules.can_record_outages(user)
    posted = request.method == "POST"
    if posted and not can_record:
        raise PermissionDenied
    form = OrderForm(request.POST if posted else None, counties=counties) if can_record else None
    if posted and form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            order = rationing.order_create(
                kind=data["kind"], county=data["county"], authority=data["authority"], document_no=data["document_no"],
                issued_on=data["issued_on"], valid_from=data["valid_from"], valid_to=data["valid_to"],
                users=data["users"], actor=user,
            )  # fmt: skip
        except ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已录入 %(order)s。") % {"order": order})
            return redirect("outages:rationing")
    orders = RationingOrder.objects.select_related("county").prefetch_related("users").order_by("-issued_on", "-pk")
    flags = rationing.unauthorised(county_ids=counties)
    context = {"form": form, "orders": orders[:100], "flags": flags[:500], "n_flags": len(flags)}
    return render(request, "outages/rationing.html", context, status=400 if posted else 200)
