"""Pages of the parallel approval: intake, the case, the department's queue, the actions.

Views are thin: fetch through `selectors` (404 when the user may not see it), check the action
with `rules` (403), call one service, redirect; a refused action shows the page again with the
form as typed (400).
"""

from __future__ import annotations

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
from bandian.applications.enums import Status
from bandian.applications.selectors import get_application_for_user
from bandian.core.errors import REFUSALS, refusal_text
from bandian.permits import rules, selectors, services
from bandian.permits.forms import CaseOpenForm, DecisionForm, NoteForm, SupplementForm, WithdrawForm
from bandian.permits.models import ApprovalCase, CaseMaterial, CasePath, CaseStatus, ItemStatus, PermitItem
from bandian.policy.loader import active_policy

PAGE_SIZE = 50


def _case_context(request: HttpRequest, case: ApprovalCase, bound: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the case page shows; a department user sees only their department's items and log."""
    user = request.user
    bound = bound or {}
    dept = rules.department_of(user)
    all_items = list(case.items.select_related("department", "decided_by").order_by("pk"))
    items = all_items
    log = case.log.select_related("actor", "item", "item__department").order_by("at", "pk")
    if dept is not None:
        items = [i for i in items if i.department_id == dept]
        log = log.filter(item__isnull=True) | log.filter(item__department_id=dept)
    for item in items:
        item.case = case  # the overdue marks read the case; no query per item
    now = timezone.now()
    rows = [
        {
            "item": item,
            "overdue": item.is_overdue(now),
            "restoration_overdue": item.is_restoration_overdue(now),
            "can_decide": rules.can_decide(user, item)
            and case.status == CaseStatus.OPEN
            and item.status in ItemStatus.undecided_states(),
            "can_confirm": rules.can_decide(user, item)
            and case.status == CaseStatus.RESTORING
            and item.restoration_confirmed_at is None,
            "form": bound.get(f"decide-{item.pk}") or DecisionForm(prefix=f"item{item.pk}"),
            "confirm_form": bound.get(f"confirm-{item.pk}") or NoteForm(prefix=f"confirm{item.pk}"),
        }
        for item in items
    ]
    utility = rules.can_act_for_utility(user, case)
    refused = [i for i in all_items if i.status == ItemStatus.REFUSED] if utility or dept is None else []
    return {
        "case": case,
        "app": case.application,
        "rows": rows,
        "log": list(log),
        "materials": list(case.materials.all()),
        "is_department": dept is not None,
        "refused_items": refused,
        "can_supplement": utility
        and case.status == CaseStatus.OPEN
        and any(i.status == ItemStatus.SUPPLEMENT_REQUESTED for i in all_items),
        "can_report_completion": utility
        and case.path != CasePath.PARALLEL
        and case.status == CaseStatus.APPROVED
        and case.application.status == Status.ENERGISED,
        "awaits_energisation": utility
        and case.path != CasePath.PARALLEL
        and case.status == CaseStatus.APPROVED
        and case.application.status != Status.ENERGISED,
        "can_withdraw": utility and case.status == CaseStatus.OPEN,
        # The application ended while its case is still open: the utility should withdraw it.
        "application_ended": utility
        and case.status == CaseStatus.OPEN
        and case.application.status in (Status.WITHDRAWN, Status.CANCELLED),
        "withdraw_form": bound.get("withdraw") or WithdrawForm(prefix="withdraw"),
        "supplement_form": bound.get("supplement") or SupplementForm(),
        "completion_form": bound.get("completion") or NoteForm(prefix="completion"),
        "case_overdue": case.status == CaseStatus.OPEN and case.due_at is not None and case.due_at < now,
        "restoration_overdue": case.status == CaseStatus.RESTORING
        and case.restoration_due_at is not None
        and case.restoration_due_at < now,
    }


def _refused(request: HttpRequest, case: ApprovalCase, name: str, form: Any) -> HttpResponse:
    case.refresh_from_db()
    return render(request, "permits/case.html", _case_context(request, case, {name: form}), status=400)


def _back(case: ApprovalCase) -> HttpResponse:
    return redirect("permits:case", no=case.no)


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    """The cases this user may see: the county's for utility staff, the department's, all for supervisors."""
    if not rules.can_list_cases(request.user):
        raise PermissionDenied
    cases = selectors.cases_for_user(request.user)
    status = request.GET.get("status", "")
    if status in CaseStatus.values:
        cases = cases.filter(status=status)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "permits/list.html",
        {"page": page, "status": status, "statuses": CaseStatus.choices, "now": timezone.now()},
    )


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """A department's work: its items waiting for a decision or a restoration, soonest due first."""
    if not rules.has_permit_queue(request.user):
        raise PermissionDenied
    now = timezone.now()
    page = Paginator(selectors.department_queue(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {"item": i, "overdue": i.is_overdue(now), "restoration_overdue": i.is_restoration_overdue(now)}
        for i in page.object_list
    ]
    return render(request, "permits/queue.html", {"page": page, "rows": rows})


@login_required
def case_open(request: HttpRequest, app_no: str) -> HttpResponse:
    """Unified intake from the application's back-office page."""
    app = get_application_for_user(request.user, app_no)
    if not rules.can_open_case(request.user, app):
        raise PermissionDenied
    form = CaseOpenForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        initial={"voltage_kv": f"{app.voltage_kv.normalize():f}"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_open(application=app, actor=signed_in_user(request), **form.service_kwargs())
        except REFUSALS as exc:
            form.add_error(None, refusal_text(exc))
        else:
            messages.success(
                request, _("外线工程审批 %(no)s 已受理（%(p)s）。") % {"no": case.no, "p": case.get_path_display()}
            )
            return _back(case)
    policy = active_policy()
    thresholds = {
        "filing_kv": policy.permits.filing_max_kv,
        "filing_m": policy.permits.filing_max_length_m,
        "commitment_kv": policy.approval.commitment_max_kv,
        "commitment_m": policy.approval.commitment_max_length_m,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "permits/open.html", {"app": app, "form": form, "t": thresholds}, status=status)


@login_required
def case_detail(request: HttpRequest, no: str) -> HttpResponse:
    case = selectors.get_case_for_user(request.user, no)
    return render(request, "permits/case.html", _case_context(request, case))


def _item_for_action(request: HttpRequest, pk: int) -> PermitItem:
    """The item if this user's department decides it: 404 if they may not see it at all, else 403."""
    item = selectors.get_item_for_user(request.user, pk)
    if not rules.can_decide(request.user, item):
        raise PermissionDenied
    return item


@login_required
@require_POST
def item_decide(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item_for_action(request, pk)
    case = item.case
    form = DecisionForm(request.POST, prefix=f"item{item.pk}")
    if form.is_valid():
        user = signed_in_user(request)
        decision, note = form.cleaned_data["decision"], form.cleaned_data["note"]
        try:
            if decision == "approve":
                services.item_approve(item=item, actor=user, note=note)
                done = _("已批准。")
            elif decision == "refuse":
                services.item_refuse(item=item, actor=user, reason=note)
                done = _("已作出不予许可决定。")
            else:
                services.item_request_supplement(item=item, actor=user, note=note)
                done = _("已要求补正材料。")
        except REFUSALS as exc:
            form.add_error(None, refusal_text(exc))
        else:
            messages.success(request, done)
            return _back(case)
    return _refused(request, case, f"decide-{item.pk}", form)


@login_required
@require_POST
def restoration_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item_for_action(request, pk)
    case = item.case
    form = NoteForm(request.POST, prefix=f"confirm{item.pk}")
    if form.is_valid():
        try:
            services.restoration_confirm(item=item, actor=signed_in_user(request), note=form.cleaned_data["note"])
        except REFUSALS as exc:
            form.add_error(None, refusal_text(exc))
        else:
            messages.success(request, _("已确认道路和绿化恢复。"))
            return _back(case)
    return _refused(request, case, f"confirm-{item.pk}", form)


def _case_for_utility(request: HttpRequest, no: str) -> ApprovalCase:
    case = selectors.get_case_for_user(request.user, no)
    if not rules.can_act_for_utility(request.user, case):
        raise PermissionDenied
    return case


@login_required
@require_POST
def case_supplement(request: HttpRequest, no: str) -> HttpResponse:
    case = _case_for_utility(request, no)
    form = SupplementForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.case_supplement(
                case=case,
                actor=signed_in_user(request),
                note=form.cleaned_data["note"],
                materials=form.cleaned_data["materials"],
            )
        except REFUSALS as exc:
            form.add_error(None, refusal_text(exc))
        else:
            messages.success(request, _("补正材料已提交，各部门继续审批。"))
            return _back(case)
    return _refused(request, case, "supplement", form)


@login_required
@require_POST
def completion_report(request: HttpRequest, no: str) -> HttpResponse:
    case = _case_for_utility(request, no)
    form = NoteForm(request.POST, prefix="completion")
    if form.is_valid():
        try:
            services.completion_report(case=case, actor=signed_in_user(request), note=form.cleaned_data["note"])
        except REFUSALS as exc:
            form.add_error(None, refusal_text(exc))
        else:
            messages.success(request, _("已向各相关部门报告施工完成。"))
            return _back(case)
    return _refused(request, case, "completion", form)


@login_required
@require_POST
def case_withdraw(request: HttpRequest, no: str) -> HttpResponse:
    """The utility withdraws an open case; the items still waiting are stopped."""
    case = _case_for_utility(request, no)
    form = WithdrawForm(request.POST, prefix="withdraw")
    if form.is_valid():
        try:
            services.case_withdraw(case=case, actor=signed_in_user(request), reason=form.cleaned_data["reason"])
        except REFUSALS as exc:
            form.add_error(None, refusal_text(exc))
        else:
            messages.success(request, _("外线工程审批 %(no)s 已撤回，各部门无需再审查。") % {"no": case.no})
            return _back(case)
    return _refused(request, case, "withdraw", form)


@login_required
def case_document(request: HttpRequest, no: str) -> FileResponse:
    case = selectors.get_case_for_user(request.user, no)
    if not case.document:
        raise Http404("no document yet")
    return FileResponse(case.document.open("rb"), content_type="application/pdf", filename=f"{case.no}.pdf")


@login_required
def material_file(request: HttpRequest, no: str, pk: int) -> FileResponse:
    case = selectors.get_case_for_user(request.user, no)
    material = CaseMaterial.objects.filter(case=case, pk=pk).first()
    if material is None:
        raise Http404("no such material")
    return FileResponse(
        material.file.open("rb"), content_type=material.content_type, filename=material.original_name or "material"
    )
