"""Back-office pages of outages: the event list, entering an event, its page with the restoration
steps, and the import of §5 records."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bandian.accounts.models import User
from bandian.core.time import year_bounds
from bandian.grid import history
from bandian.grid.models import MVUser
from bandian.outages import faults, notice_views, rules, selectors, services
from bandian.outages.enums import OutageKind
from bandian.outages.forms import EventFilterForm, EventForm, ImportForm, InterruptionFilterForm, StepForm
from bandian.outages.importer import import_interruptions
from bandian.outages.models import Interruption, OutageEvent
from bandian.outages.services import OutageError

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not rules.can_view_outages(user):
        raise PermissionDenied
    form = EventFilterForm(request.GET or None)
    events = selectors.events_with_counts(user)
    if form.is_valid():
        data = form.cleaned_data
        if data["county"]:
            events = events.filter(county=data["county"])
        if data["kind"]:
            events = events.filter(kind=data["kind"])
        if data["status"]:
            events = events.filter(closed_at__isnull=data["status"] == "open")
        if data["feeder"]:
            events = events.filter(feeder__code=data["feeder"].strip())
    page = Paginator(events.order_by("-start", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form, "page": page, "query": query.urlencode(), "can_record": rules.can_record_outages(user),
    }  # fmt: skip
    return render(request, "outages/list.html", context)


@login_required
def event_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not rules.can_record_outages(user):
        raise PermissionDenied
    posted = request.method == "POST"
    form = EventForm(request.POST if posted else None, counties=rules.recordable_county_ids(user))
    if posted and form.is_valid():
        data = form.cleaned_data
        common = {
            "feeder": data["feeder"], "transformers": data["transformers"], "cause": data["cause"],
            "start": data["start"], "description": data["description"], "area": data["area"],
            "rationing_order": data["rationing_order"], "actor": user,
        }  # fmt: skip
        try:
            if data["kind"] == OutageKind.FAULT:  # a fault as it happens: its customers are told at once
                event, _n = faults.fault_report(**common)
            else:  # a planned outage recorded after the fact (announce one at planned outages)
                event = services.event_create(kind=data["kind"], **common)
        except OutageError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("停电事件 %(ref)s 已录入。") % {"ref": event.reference})
            return redirect("outages:detail", reference=event.reference)
    return render(request, "outages/new.html", {"form": form}, status=400 if posted else 200)


def render_detail(
    request: HttpRequest,
    event: OutageEvent,
    step_form: StepForm | None = None,
    status: int = 200,
    progress_form: Any = None,
) -> HttpResponse:
    user = _user(request)
    restored = services.restored_at(event)
    affected = list(event.affected_users.select_related("transformer").order_by("user_id"))
    remaining = event.affected_users.exclude(pk__in=list(restored)).order_by("user_id")
    can_record = rules.can_record_event(user, event) and event.closed_at is None
    if step_form is None and can_record:
        step_form = StepForm(remaining=remaining)
    context = {
        "event": event,
        "users": [(u, restored.get(u.pk)) for u in affected],
        "n_restored": len(restored),
        "steps": event.steps.prefetch_related("users").order_by("at", "pk"),
        "transformers": event.transformers.order_by("code"),
        "step_form": step_form if can_record else None,
        "can_close": can_record and len(restored) == len(affected),
        "history": history.history_of(event),
        **notice_views.progress_context(request, event, progress_form),
    }
    return render(request, "outages/detail.html", context, status=status)


@login_required
def event_detail(request: HttpRequest, reference: str) -> HttpResponse:
    event = selectors.get_event_for_user(_user(request), reference)
    return render_detail(request, event)


def _event_to_record(request: HttpRequest, reference: str) -> OutageEvent:
    user = _user(request)
    event = selectors.get_event_for_user(user, reference)
    if not rules.can_record_event(user, event):
        raise PermissionDenied
    return event


@login_required
@require_POST
def step_add(request: HttpRequest, reference: str) -> HttpResponse:
    event = _event_to_record(request, reference)
    restored = services.restored_at(event)
    remaining = event.affected_users.exclude(pk__in=list(restored)).order_by("user_id")
    form = StepForm(request.POST, remaining=remaining)
    if form.is_valid():
        data = form.cleaned_data
        users = None if data["all_remaining"] else list(data["users"])
        try:
            services.restoration_add(event=event, at=data["at"], users=users, note=data["note"], actor=_user(request))
        except OutageError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("复电步骤已记录。"))
            return redirect("outages:detail", reference=event.reference)
    return render_detail(request, event, form, status=400)


@login_required
@require_POST
def event_close(request: HttpRequest, reference: str) -> HttpResponse:
    event = _event_to_record(request, reference)
    try:
        services.event_close(event=event, actor=_user(request))
    except OutageError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("停电事件已结束。"))
    return redirect("outages:detail", reference=event.reference)


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    """Import §5 interruption records (and optionally users); lists each bad row by line and field."""
    user = _user(request)
    if not rules.can_record_outages(user):
        raise PermissionDenied
    posted = request.method == "POST"
    form = ImportForm(request.POST if posted else None, request.FILES if posted else None)
    report = None
    if posted and form.is_valid():
        main, users = form.cleaned_data["interruptions"], form.cleaned_data["users"]
        report = import_interruptions(
            main.read(), main.name, users=(users.read(), users.name) if users else None,
            counties=rules.recordable_county_ids(user), actor=user,
        )  # fmt: skip
    status = 400 if posted and not form.is_valid() else 200
    context = {
        "form": form, "report": report, "history": history.recent([Interruption, MVUser], summaries_only=True),
        "show_object": True,
    }  # fmt: skip
    return render(request, "outages/import.html", context, status=status)


@login_required
def interruption_list(request: HttpRequest) -> HttpResponse:
    """The per-user interruption rows, entered and imported, latest first."""
    user = _user(request)
    if not rules.can_view_outages(user):
        raise PermissionDenied
    form = InterruptionFilterForm(request.GET or None)
    rows = Interruption.objects.select_related("user", "outage")
    if form.is_valid():
        data = form.cleaned_data
        if data["county"]:
            rows = rows.filter(user__county=data["county"])
        for name in ("kind", "cause", "source"):
            if data[name]:
                rows = rows.filter(**{name: data[name]})
        if data["event_id"]:
            rows = rows.filter(event_id=data["event_id"])
        if data["user_id"]:
            rows = rows.filter(user_id=data["user_id"])
        if data["feeder"]:
            rows = rows.filter(user__feeder__code=data["feeder"].strip())
        if data["transformer"]:
            rows = rows.filter(user__transformer__code=data["transformer"].strip())
        if data["year"]:
            # Rows overlapping the year (Asia/Shanghai), as the reliability figures count them.
            start, end = year_bounds(data["year"])
            rows = rows.filter(start__lt=end).filter(Q(end__isnull=True) | Q(end__gt=start))
    page = Paginator(rows.order_by("-start", "event_id", "user_id"), 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "outages/interruptions.html", {"form": form, "page": page, "query": query.urlencode()})
