"""Applicant pages, the application page and the public progress query.

Views are thin: fetch through rules, call one service, render or redirect. The back office
(work queue, staff actions) is in backoffice.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bandian.accounts.rules import signed_in_user
from bandian.applications import progress as progress_lookup
from bandian.applications import rules, services
from bandian.applications.enums import Channel, EventType, Status
from bandian.applications.forms import (
    ApplyForm,
    CancelForm,
    CompleteForm,
    CounterApplyForm,
    PauseForm,
    ProgressForm,
    ResumeForm,
    VisitForm,
    WithdrawForm,
)
from bandian.applications.models import Application, Document, Event
from bandian.applications.selectors import get_application_for_user
from bandian.core.errors import REFUSALS, refusal_text
from bandian.core.text import label
from bandian.policy.loader import active_policy
from bandian.policy.schema import Policy, PolicyGap
from bandian.workdays.calendar import CalendarYearMissing

Rule = Callable[[Any, Application], bool]


def application_for_action(request: HttpRequest, no: str, allowed: Rule) -> Application:
    """The application if this user may do this to it: 404 if they may not even know of it, else 403."""
    try:
        app = get_application_for_user(request.user, no)
    except Http404:
        # Staff of another county may know the application exists; they are refused, not misled.
        if rules.has_work_queue(request.user) and Application.objects.filter(no=no).exists():
            raise PermissionDenied from None
        raise
    if not allowed(request.user, app):
        raise PermissionDenied
    return app


# Applying.


@login_required
def apply(request: HttpRequest) -> HttpResponse:
    if not rules.can_apply(request.user):
        raise PermissionDenied
    form = ApplyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = signed_in_user(request)
        try:
            app = services.application_create(
                actor=user, applicant=user, channel=Channel.ONLINE, **form.service_kwargs()
            )
        except REFUSALS as exc:
            form.add_error(None, refusal_text(exc))
        else:
            messages.success(request, _("申请 %(no)s 已创建，请上传资料。") % {"no": app.no})
            return redirect("applications:documents", no=app.no)
    return render(request, "applications/apply.html", {"form": form, "counter": False})


@login_required
def enter_for_customer(request: HttpRequest) -> HttpResponse:
    """Counter staff enter an application for a person at the counter (channel: counter)."""
    if not rules.can_enter_for_others(request.user):
        raise PermissionDenied
    clerk = signed_in_user(request)
    form = CounterApplyForm(request.POST if request.method == "POST" else None, county=clerk.county)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            app = services.application_enter_at_counter(
                clerk=clerk,
                applicant_name=data["applicant_name"],
                phone=data["phone"],
                id_number=data["id_number"],
                **form.service_kwargs(),
            )
        except REFUSALS as exc:
            form.add_error(None, refusal_text(exc))
        else:
            messages.success(request, _("已为客户创建申请 %(no)s，请上传资料。") % {"no": app.no})
            return redirect("applications:documents", no=app.no)
    return render(request, "applications/apply.html", {"form": form, "counter": True})


def _document_rows(app: Application, policy: Policy) -> list[dict[str, Any]]:
    have = {d.kind: d for d in app.documents.all()}
    # Records loaded from another system list the documents handed in, without their files.
    submitted = app.events.filter(type=EventType.SUBMITTED).values_list("data", flat=True).first() or {}
    listed = set(submitted.get("documents") or [])
    rule = policy.classes[app.customer_class]
    return [
        {"kind": kind, "label": label(policy.documents[kind]), "doc": have.get(kind), "listed": kind in listed}
        for kind in rule.documents
    ]


@login_required
def documents(request: HttpRequest, no: str) -> HttpResponse:
    """Upload exactly the documents the policy names for the class, then submit."""
    app = application_for_action(request, no, rules.can_edit_as_applicant)
    policy = active_policy()
    errors: dict[str, str] = {}
    kinds = policy.classes[app.customer_class].documents
    if request.method == "POST":
        uploaded = 0
        for kind in kinds:
            upload = request.FILES.get(kind)
            if upload is None:
                continue
            try:
                services.document_upload(application=app, kind=kind, upload=upload, actor=signed_in_user(request))
                uploaded += 1
            except REFUSALS as exc:
                errors[kind] = refusal_text(exc)
        unknown = set(request.FILES) - set(kinds)
        if unknown:
            errors["__all__"] = _("本类别不需要其他资料")
        if not uploaded and not errors:
            errors["__all__"] = _("请选择要上传的文件")
        if not errors:
            messages.success(request, _("资料已上传。"))
            return redirect("applications:documents", no=app.no)
        app.refresh_from_db()
    rows = _document_rows(app, policy)
    for row in rows:
        row["error"] = errors.get(row["kind"], "")
    context = {
        "app": app,
        "rows": rows,
        "complete": all(row["doc"] for row in rows),
        "form_error": errors.get("__all__", ""),
        "editable": app.status in (Status.DRAFT, Status.PAUSED),
    }
    return render(request, "applications/documents.html", context, status=400 if errors else 200)


@login_required
@require_POST
def submit(request: HttpRequest, no: str) -> HttpResponse:
    app = application_for_action(request, no, rules.can_edit_as_applicant)
    try:
        app = services.application_submit(application=app, actor=signed_in_user(request))
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
        return redirect("applications:documents", no=app.no)
    text = _("申请已提交。适用“三零”服务，零投资。") if app.zero_investment else _("申请已提交。")
    messages.success(request, f"{text} {app.eligibility_rule}".strip())
    return redirect("applications:detail", no=app.no)


@login_required
def withdraw(request: HttpRequest, no: str) -> HttpResponse:
    """A confirmation page (GET), then the withdrawal (POST)."""
    app = application_for_action(request, no, rules.can_edit_as_applicant)
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_withdraw(
                application=app, actor=signed_in_user(request), note=form.cleaned_data["note"]
            )
        except REFUSALS as exc:
            form.add_error(None, refusal_text(exc))
        else:
            messages.success(request, _("申请 %(no)s 已撤回。") % {"no": app.no})
            return redirect("applications:detail", no=app.no)
    status = 400 if request.method == "POST" else 200
    return render(request, "applications/withdraw.html", {"app": app, "form": form}, status=status)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """The applicant's own applications (and, for counter staff, the ones they entered)."""
    user = signed_in_user(request)
    if rules.can_apply(user):
        apps = rules.visible_applications(user)
    elif rules.can_enter_for_others(user):
        apps = rules.visible_applications(user).filter(entered_by=user)
    else:
        raise PermissionDenied
    apps = apps.select_related("county").order_by("-created_at")
    page = Paginator(apps, 50).get_page(request.GET.get("page"))
    return render(request, "applications/mine.html", {"page": page, "can_apply": rules.can_apply(user)})


# The application page (the staff actions posted from it are in backoffice.py).


def _steps(app: Application, policy: Policy, clocks: Any) -> list[dict[str, Any]]:
    rule = policy.classes[app.customer_class]
    by_stage = {s.stage: s for s in clocks.stages} if clocks else {}
    rows = []
    for stage in rule.steps:
        sc = by_stage.get(stage)
        rows.append(
            {
                "stage": stage,
                "label": label(policy.stages[stage]),
                "limit": sc.limit_workdays if sc else None,
                "started_at": sc.started_at if sc else None,
                "completed_at": sc.completed_at if sc else None,
                "due_at": sc.due_at if sc else None,
                "used": sc.used_workdays if sc else None,
                "current": stage == app.current_stage,
                "late": bool(sc and sc.due_at and (sc.completed_at or timezone.now()) > sc.due_at),
            }
        )
    return rows


def _clocks_or_none(app: Application) -> Any:
    if app.submitted_at is None:
        return None
    try:
        return services.application_clocks(app)
    except (CalendarYearMissing, PolicyGap):
        return None


def _pauses(app: Application, policy: Policy, events: list[Event]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for ev in events:
        if ev.type == EventType.PAUSED:
            reason = policy.pause_reasons.get(ev.reason)
            rows.append(
                {"event": ev, "start": ev.occurred_at, "end": None, "reason": label(reason) if reason else ev.reason}
            )
        elif ev.type == EventType.RESUMED and rows and rows[-1]["end"] is None:
            rows[-1]["end"] = ev.occurred_at
    return rows


def _staff_forms(request: HttpRequest, app: Application, bound: dict[str, Any] | None = None) -> dict[str, Any]:
    forms: dict[str, Any] = {
        "complete": CompleteForm(county=app.county_id),
        "pause": PauseForm(),
        "resume": ResumeForm(),
        "visit": VisitForm(),
        "cancel": CancelForm(),
    }
    forms.update(bound or {})
    return forms


def detail_context(request: HttpRequest, app: Application, bound: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the application page shows; `bound` holds a refused action form to show again."""
    policy = active_policy()
    user = request.user
    clocks = _clocks_or_none(app)
    events = list(app.events.select_related("actor").order_by("seq"))
    rule = policy.classes[app.customer_class]
    open_ = app.status in Status.open_states()
    return {
        "app": app,
        "policy": policy,
        "class_label": label(rule),
        "clock_label": {"full_process": _("全过程"), "utility": _("供电企业办理")}[rule.clock],
        "clocks": clocks,
        "steps": _steps(app, policy, clocks),
        "current_stage_label": label(policy.stages[app.current_stage]) if app.current_stage else "",
        "events": events,
        "pauses": _pauses(app, policy, events),
        "documents": _document_rows(app, policy),
        "restarts": list(app.restarts.all()),
        "can_edit": rules.can_edit_as_applicant(user, app),
        "can_withdraw": rules.can_edit_as_applicant(user, app) and app.status in (Status.DRAFT, *Status.open_states()),
        "can_handle": rules.can_handle(user, app) and open_,
        "can_visit": rules.can_record_visit(user, app) and open_,
        # A refused action shows its form again, with what was typed, whatever the state now.
        "bound_name": next(iter(bound or {}), ""),
        "is_open": open_,
        "forms": _staff_forms(request, app, bound),
        "event_labels": dict(EventType.choices),
    }


@login_required
def detail(request: HttpRequest, no: str) -> HttpResponse:
    app = get_application_for_user(request.user, no)
    return render(request, "applications/detail.html", detail_context(request, app))


@login_required
def document_file(request: HttpRequest, no: str, kind: str) -> FileResponse:
    app = get_application_for_user(request.user, no)
    doc = Document.objects.filter(application=app, kind=kind).first()
    if doc is None or not doc.file:
        raise Http404("no such document")
    return FileResponse(doc.file.open("rb"), content_type=doc.content_type, filename=doc.original_name)


@login_required
def evidence_file(request: HttpRequest, no: str, seq: int) -> FileResponse:
    app = get_application_for_user(request.user, no)
    event = Event.objects.filter(application=app, seq=seq).first()
    if event is None or not event.evidence:
        raise Http404("no such evidence")
    # A download, never shown inline: evidence recorded through other channels may be of any type.
    return FileResponse(event.evidence.open("rb"), as_attachment=True, filename=event.evidence.name.rsplit("/", 1)[-1])


# The public progress query: steps and deadlines, no personal data.


def progress(request: HttpRequest) -> HttpResponse:
    """The same answers as the API's progress query (progress.find): 422 for malformed input
    before any lookup, 429 after too many failed guesses, 404 for unknown numbers, drafts and
    wrong digits alike."""
    form = ProgressForm(request.GET or None)
    result: dict[str, Any] | None = None
    status = 200
    if request.GET and not form.is_valid():
        status = 422
    elif request.GET:
        try:
            found = progress_lookup.find(
                form.cleaned_data["no"], form.cleaned_data["phone_last4"], progress_lookup.client_address(request)
            )
        except progress_lookup.ProgressRefused:
            form.add_error(None, _("查询失败次数过多，请一小时后再试"))
            status = 429
        except progress_lookup.ProgressNotFound:
            form.add_error(None, _("没有找到这个申请：请核对申请编号和手机号码后四位。"))
            status = 404
        else:
            app = Application.objects.select_related("county").get(pk=found[0])
            policy = active_policy()
            clocks = _clocks_or_none(app)
            result = {
                "app": app,
                "class_label": label(policy.classes[app.customer_class]),
                "steps": _steps(app, policy, clocks),
                "clocks": clocks,
            }
    return render(request, "applications/progress.html", {"form": form, "result": result}, status=status)
