"""The back office: the county's work queue and the staff actions on an application's page.

Every action form also works as a plain POST; with htmx, a refusal swaps the actions panel and a
success redirects the page (HX-Redirect).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from bandian.accounts.models import User
from bandian.accounts.rules import signed_in_user
from bandian.applications import rules, services
from bandian.applications.enums import Status
from bandian.applications.forms import (
    CancelForm,
    CompleteForm,
    PauseForm,
    QueueFilterForm,
    ResumeForm,
    VisitForm,
)
from bandian.applications.models import Application
from bandian.applications.selectors import urgency
from bandian.applications.views import (
    Rule,
    application_for_action,
    detail_context,
)
from bandian.core.errors import REFUSALS, refusal_text
from bandian.core.text import label
from bandian.core.views import is_htmx
from bandian.policy.loader import active_policy
from bandian.workdays.selectors import get_calendar

# Staff actions.


def _action(
    request: HttpRequest,
    no: str,
    *,
    allowed: Rule,
    name: str,
    form_class: Callable[..., Any],
    perform: Callable[[Application, User, dict[str, Any]], Any],
    done: str,
) -> HttpResponse:
    """Run one staff action; on success redirect back with a message, on refusal show the form."""
    app = application_for_action(request, no, allowed)
    form = form_class(request.POST, request.FILES)
    if form.is_valid():
        try:
            perform(app, signed_in_user(request), form.cleaned_data)
        except REFUSALS as exc:
            form.add_error(None, refusal_text(exc))
        else:
            messages.success(request, done)
            url = reverse("applications:detail", args=[app.no])
            return HttpResponseClientRedirect(url) if is_htmx(request) else redirect(url)
    app.refresh_from_db()
    context = detail_context(request, app, {name: form})
    template = "applications/_staff_actions.html" if is_htmx(request) else "applications/detail.html"
    return render(request, template, context, status=400)


@login_required
@require_POST
def complete(request: HttpRequest, no: str) -> HttpResponse:
    def perform(app: Application, user: User, data: dict[str, Any]) -> Any:
        stage = request.POST.get("stage") or app.current_stage
        feeder = data["feeder"].code if data["feeder"] else ""
        return services.stage_complete(application=app, stage=stage, actor=user, note=data["note"], feeder=feeder)

    # The feeders offered are the application's county's (the service refuses any other).
    county = Application.objects.filter(no=no).values_list("county_id", flat=True).first()
    return _action(
        request, no, allowed=rules.can_handle, name="complete", form_class=partial(CompleteForm, county=county),
        perform=perform, done=_("环节已完成。"),
    )  # fmt: skip


@login_required
@require_POST
def pause(request: HttpRequest, no: str) -> HttpResponse:
    def perform(app: Application, user: User, data: dict[str, Any]) -> Any:
        return services.application_pause(
            application=app, reason=data["reason"], note=data["note"], evidence=data["evidence"], actor=user
        )

    return _action(
        request, no, allowed=rules.can_handle, name="pause", form_class=PauseForm, perform=perform,
        done=_("已暂停计时。"),
    )  # fmt: skip


@login_required
@require_POST
def resume(request: HttpRequest, no: str) -> HttpResponse:
    def perform(app: Application, user: User, data: dict[str, Any]) -> Any:
        return services.application_resume(application=app, actor=user, note=data["note"])

    return _action(
        request, no, allowed=rules.can_handle, name="resume", form_class=ResumeForm, perform=perform,
        done=_("已恢复办理，计时继续。"),
    )  # fmt: skip


@login_required
@require_POST
def visit(request: HttpRequest, no: str) -> HttpResponse:
    def perform(app: Application, user: User, data: dict[str, Any]) -> Any:
        return services.visit_record(application=app, actor=user, note=data["note"])

    return _action(
        request, no, allowed=rules.can_record_visit, name="visit", form_class=VisitForm, perform=perform,
        done=_("已记录客户到场办理。"),
    )  # fmt: skip


@login_required
@require_POST
def cancel(request: HttpRequest, no: str) -> HttpResponse:
    def perform(app: Application, user: User, data: dict[str, Any]) -> Any:
        return services.application_cancel(application=app, actor=user, note=data["note"])

    return _action(
        request, no, allowed=rules.can_handle, name="cancel", form_class=CancelForm, perform=perform,
        done=_("申请已取消。"),
    )  # fmt: skip


# The work queue.


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """The county's applications, the most urgent first."""
    user = signed_in_user(request)
    if not rules.has_work_queue(user):
        raise PermissionDenied
    form = QueueFilterForm(request.GET or None)
    apps = rules.visible_applications(user).exclude(status=Status.DRAFT)
    status = customer_class = ""
    only_mine = False
    if form.is_valid():
        status = form.cleaned_data["status"]
        customer_class = form.cleaned_data["customer_class"]
        only_mine = form.cleaned_data["mine"]
    if status == "closed":
        apps = apps.filter(status__in=Status.closed_states())
    elif status:
        apps = apps.filter(status=status)
    else:
        apps = apps.filter(status__in=Status.open_states())
    if customer_class:
        apps = apps.filter(customer_class=customer_class)
    if only_mine:
        apps = apps.filter(Q(customer_manager=user) | Q(project_manager=user) | Q(entered_by=user))
    apps = apps.select_related("county", "customer_manager", "project_manager")
    if status == "closed":
        apps = apps.order_by(F("closed_at").desc(nulls_last=True), "-pk")
    else:
        apps = apps.order_by(F("stage_due_at").asc(nulls_last=True), F("due_at").asc(nulls_last=True), "pk")
    page = Paginator(apps, 100).get_page(request.GET.get("page"))
    policy = active_policy()
    cal = get_calendar()
    now = timezone.now()
    rows = [
        {
            "app": app,
            "urgency": urgency(app, policy=policy, cal=cal, now=now).mark,
            "class_label": label(policy.classes[app.customer_class]),
            "stage_label": label(policy.stages[app.current_stage]) if app.current_stage else "",
        }
        for app in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "rows": rows, "query": query.urlencode(), "county": user.county}
    return render(request, "applications/queue.html", context)
