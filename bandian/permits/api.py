"""/api/v1/permits: the parallel approval of external line works for the departments' own systems
and for the utility's.

Departments (role `department`) list and decide their items, ask for supplements and confirm
restorations; the utility's customer and project managers open cases, answer supplements,
withdraw open cases and report completion. Endpoints are thin: a role check (403), the permits selectors (404 when the
caller may not see the case or item: another department's item is 404), `rules.py` for the
action (403), one service of bandian.permits.services. Errors are JSON `{"detail": ...}` by the
handlers of bandian/api.py: 400 a request the services refuse, 409 one the case's state refuses.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F, QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router
from ninja.errors import AuthorizationError
from ninja.files import UploadedFile
from ninja.responses import Status as Reply

from bandian.accounts.auth import api_auth
from bandian.accounts.models import User
from bandian.applications import rules as app_rules
from bandian.applications.selectors import get_application_for_user
from bandian.core.schemas import ERRORS, READ_ERRORS, errors, file_answer
from bandian.core.time import SHANGHAI
from bandian.core.uploads import ALLOWED_CONTENT
from bandian.permits import rules, selectors, services
from bandian.permits.models import (
    ApprovalCase,
    CaseLog,
    CaseMaterial,
    CasePath,
    CaseStatus,
    ItemStatus,
    LogAction,
    PermitItem,
)
from bandian.permits.schemas import (
    CaseOpenIn,
    CaseOut,
    CaseWithdrawIn,
    ItemDetailOut,
    ItemListQuery,
    ItemPageOut,
    NoteIn,
    RefuseIn,
    RequiredNoteIn,
    SupplementIn,
)
from bandian.policy.loader import active_policy

router = Router(auth=api_auth)
MAX_NO = 40


def _user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def _local(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(SHANGHAI) if value is not None else None


def _refuse(message: str) -> AuthorizationError:
    return AuthorizationError(message=message)


# Who may call what (the rules themselves are in rules.py).


def _department_only(user: User) -> None:
    if not rules.is_department_user(user):
        raise _refuse(_("只有审批部门人员可以办理审批事项"))


def _readers_only(user: User) -> None:
    """Departments, the counties' utility staff, supervisors: the rest may not read cases."""
    if not rules.can_list_cases(user):
        raise _refuse(_("您的角色不能查看外线工程审批"))


def _utility_only(user: User) -> None:
    if not (isinstance(user, User) and user.role in app_rules.HANDLING_ROLES and user.county_id):
        raise _refuse(_("只有县（市）的客户经理或项目经理可以办理此操作"))


def _case(user: User, no: str) -> ApprovalCase:
    if not no or len(no) > MAX_NO or "\x00" in no:
        raise Http404(_("没有找到该审批案件"))
    try:
        return selectors.get_case_for_user(user, no)
    except Http404:
        raise Http404(_("没有找到该审批案件")) from None


def _item(user: User, pk: int) -> PermitItem:
    try:
        return selectors.get_item_for_user(user, pk)
    except Http404:
        raise Http404(_("没有找到该审批事项")) from None


# Shapes.


def _item_out(item: PermitItem, case: ApprovalCase, names: dict[str, str], now: dt.datetime) -> dict[str, Any]:
    item.case = case  # the overdue marks read the case: no query per item
    return {
        "id": item.pk,
        "case_no": case.no,
        "application_no": case.application.no,
        "item_type": item.item_type,
        "item_name": names.get(item.item_type, item.item_type),
        "department": item.department.code,
        "department_name": item.department.name,
        "status": item.status,
        "status_name": str(ItemStatus(item.status).label),
        "due_at": _local(item.due_at),
        "decided_at": _local(item.decided_at),
        "reason": item.reason,
        "overdue": item.is_overdue(now),
        "case_status": case.status,
        "case_path": case.path,
        "restoration_due_at": _local(case.restoration_due_at),
        "restoration_confirmed_at": _local(item.restoration_confirmed_at),
        "restoration_overdue": item.is_restoration_overdue(now),
    }


def _item_names() -> dict[str, str]:
    return {code: spec.zh for code, spec in active_policy().permits.items.items()}


def _case_out(user: User, case: ApprovalCase) -> dict[str, Any]:
    """The case as the caller may see it: a department its own items and their log only."""
    dept = rules.department_of(user)
    names = _item_names()
    now = timezone.now()
    items: QuerySet[PermitItem] = case.items.select_related("department").order_by("pk")
    log: QuerySet[CaseLog] = case.log.select_related("actor").order_by("at", "pk")
    if dept is not None:
        items = items.filter(department_id=dept)
        log = log.filter(item__isnull=True) | log.filter(item__department_id=dept)
    materials = list(case.materials.order_by("pk"))
    return {
        "no": case.no,
        "application_no": case.application.no,
        "county": case.application.county_id,
        "address": case.application.address,
        "route": case.route,
        "route_length_m": case.route_length_m,
        "voltage_kv": case.voltage_kv,
        "has_wells": case.has_wells,
        "crossings": case.crossings,
        "path": case.path,
        "path_name": str(CasePath(case.path).label),
        "status": case.status,
        "status_name": str(CaseStatus(case.status).label),
        "opened_at": _local(case.opened_at),
        "decided_at": _local(case.decided_at),
        "limit_workdays": case.limit_workdays,
        "due_at": _local(case.due_at),
        "document_url": reverse("api:permit_case_document", kwargs={"no": case.no}) if case.document else None,
        "document_sha256": case.document_sha256,
        "commitment_signed_at": _local(case.commitment_signed_at),
        "completion_reported_at": _local(case.completion_reported_at),
        "restoration_due_at": _local(case.restoration_due_at),
        "closed_at": _local(case.closed_at),
        "items": [_item_out(i, case, names, now) for i in items],
        "materials": [
            {
                "id": m.pk,
                "name": m.original_name,
                "content_type": m.content_type,
                "size": m.size,
                "sha256": m.sha256,
                "uploaded_at": _local(m.uploaded_at),
                "url": reverse("api:permit_material", kwargs={"no": case.no, "pk": m.pk}),
            }
            for m in materials
        ],
        "log": [
            {
                "at": _local(entry.at),
                "action": entry.action,
                "action_name": str(LogAction(entry.action).label),
                "item_id": entry.item_id,
                "actor": str(entry.actor) if entry.actor else "",
                "note": entry.note,
            }
            for entry in log
        ],
    }


def _item_detail(user: User, pk: int) -> dict[str, Any]:
    item = _item(user, pk)
    case = selectors.get_case_for_user(user, item.case.no)
    return {**_item_out(item, case, _item_names(), timezone.now()), "case": _case_out(user, case)}


# The departments' items.


@router.get(
    "/items",
    response={200: ItemPageOut, **errors(401, 403, 422)},
    summary="Department: my department's items",
    description=(
        "The items of the caller's department, soonest due first (undated last), optionally of one "
        "status; `limit`/`offset` page through them and `count` is the total. Department users only."
    ),
)
def item_list(request: HttpRequest, query: Query[ItemListQuery]) -> dict[str, Any]:
    user = _user(request)
    _department_only(user)
    items = rules.visible_items(user).select_related("case", "case__application", "department")
    if query.status:
        items = items.filter(status=query.status)
    items = items.order_by(F("due_at").asc(nulls_last=True), "pk")
    names = _item_names()
    now = timezone.now()
    page = items[query.offset : query.offset + query.limit]
    return {"count": items.count(), "items": [_item_out(i, i.case, names, now) for i in page]}


@router.get(
    "/items/{item_id}",
    response={200: ItemDetailOut, **READ_ERRORS},
    summary="One item with its case",
    description=(
        "The item, its case (route, clock, materials) and the log. A department sees its own items "
        "only (another department's item is 404); the county's utility staff and supervisors see all."
    ),
)
def item_detail(request: HttpRequest, item_id: int) -> dict[str, Any]:
    user = _user(request)
    _readers_only(user)
    return _item_detail(user, item_id)


def _decide(request: HttpRequest, item_id: int) -> tuple[User, PermitItem]:
    user = _user(request)
    _department_only(user)
    item = _item(user, item_id)
    if not rules.can_decide(user, item):
        raise _refuse(_("只能办理本部门的审批事项"))
    return user, item


@router.post(
    "/items/{item_id}/approve",
    response={200: ItemDetailOut, **ERRORS},
    summary="Department: approve an item",
    description=(
        "Approves the item. When every item of the case is approved, the case is approved with one "
        "combined document (409 when the case or the item is decided already)."
    ),
)
def item_approve(request: HttpRequest, item_id: int, payload: NoteIn | None = None) -> dict[str, Any]:
    user, item = _decide(request, item_id)
    services.item_approve(item=item, actor=user, note=payload.note if payload else "")
    return _item_detail(user, item_id)


@router.post(
    "/items/{item_id}/refuse",
    response={200: ItemDetailOut, **ERRORS},
    summary="Department: refuse an item, with a reason",
    description=(
        "Refuses the item and so ends the case at once: the case is refused with this reason, shown "
        "to the utility; the items still waiting are stopped and their departments told."
    ),
)
def item_refuse(request: HttpRequest, item_id: int, payload: RefuseIn) -> dict[str, Any]:
    user, item = _decide(request, item_id)
    services.item_refuse(item=item, actor=user, reason=payload.reason)
    return _item_detail(user, item_id)


@router.post(
    "/items/{item_id}/supplement",
    response={200: ItemDetailOut, **ERRORS},
    summary="Department: ask the utility for a supplement",
    description=(
        "The item waits for the utility's supplement (POST /cases/{no}/supplement). Its due date "
        "does not move: the approval clock runs from intake to the last decision."
    ),
)
def item_supplement(request: HttpRequest, item_id: int, payload: RequiredNoteIn) -> dict[str, Any]:
    user, item = _decide(request, item_id)
    services.item_request_supplement(item=item, actor=user, note=payload.note)
    return _item_detail(user, item_id)


@router.post(
    "/items/{item_id}/restoration",
    response={200: ItemDetailOut, **ERRORS},
    summary="Department: confirm that roads or greenery are restored",
    description=(
        "For commitment and filing cases after the utility reported completion; the case closes when "
        "every item is confirmed (409 before completion is reported, or when confirmed already)."
    ),
)
def restoration_confirm(request: HttpRequest, item_id: int, payload: NoteIn | None = None) -> dict[str, Any]:
    user, item = _decide(request, item_id)
    services.restoration_confirm(item=item, actor=user, note=payload.note if payload else "")
    return _item_detail(user, item_id)


# Cases.


@router.post(
    "/cases",
    response={201: CaseOut, **ERRORS},
    summary="Utility: open a case (multipart)",
    description=(
        "Unified intake for an application of the caller's county (customer and project managers). "
        "multipart/form-data: the fields below (`item_types` repeated once per item) and the shared "
        "material files as `materials` (PDF, JPEG or PNG, checked by content, ≤ 10 MB each; at least "
        "one for parallel approval). The path (parallel, commitment, filing) follows from the policy; "
        "a commitment path needs `commitment_signed=true`."
    ),
)
def case_open(
    request: HttpRequest, payload: Form[CaseOpenIn], materials: File[list[UploadedFile] | None] = None
) -> Reply[dict[str, Any]]:
    user = _user(request)
    _utility_only(user)
    try:
        app = get_application_for_user(user, payload.application)
    except Http404:
        raise Http404(_("没有找到该申请")) from None
    if not rules.can_open_case(user, app):
        raise _refuse(_("只有本县（市）的客户经理或项目经理可以发起外线工程审批"))
    case = services.case_open(
        application=app,
        actor=user,
        route=payload.route,
        route_length_m=payload.route_length_m,
        voltage_kv=payload.voltage_kv,
        has_wells=payload.has_wells,
        crossings=payload.crossings,
        item_types=payload.item_types,
        materials=list(materials or []),
        commitment_signed=payload.commitment_signed,
    )
    return Reply(201, _case_out(user, selectors.get_case_for_user(user, case.no)))


@router.get(
    "/cases/{no}",
    response={200: CaseOut, **READ_ERRORS},
    summary="One case",
    description=(
        "For the county's utility staff, supervisors, and the departments with an item in it (who see "
        "their own items and their log only)."
    ),
)
def case_detail(request: HttpRequest, no: str) -> dict[str, Any]:
    user = _user(request)
    _readers_only(user)
    return _case_out(user, _case(user, no))


@router.get(
    "/cases/{no}/materials/{pk}",
    response={200: None, **READ_ERRORS},
    openapi_extra=file_answer(*ALLOWED_CONTENT, description="the material as uploaded (PDF, JPEG or PNG)"),
    url_name="permit_material",
    summary="Download a material of the case",
    description="The shared materials: for everyone who may read the case.",
)
def material_file(request: HttpRequest, no: str, pk: int) -> FileResponse:
    user = _user(request)
    _readers_only(user)
    case = _case(user, no)
    material = CaseMaterial.objects.filter(case=case, pk=pk).first()
    if material is None:
        raise Http404(_("没有找到该材料"))
    return FileResponse(
        material.file.open("rb"), content_type=material.content_type, filename=material.original_name or "material"
    )


@router.get(
    "/cases/{no}/document",
    response={200: None, **READ_ERRORS},
    openapi_extra=file_answer("application/pdf", description="the combined approval document"),
    url_name="permit_case_document",
    summary="Download the combined approval document (PDF)",
    description="Issued when the case is approved (or at intake for commitment and filing); 404 before.",
)
def case_document(request: HttpRequest, no: str) -> FileResponse:
    user = _user(request)
    _readers_only(user)
    case = _case(user, no)
    if not case.document:
        raise Http404(_("审批结果尚未出件"))
    return FileResponse(case.document.open("rb"), content_type="application/pdf", filename=f"{case.no}.pdf")


def _utility_case(request: HttpRequest, no: str) -> tuple[User, ApprovalCase]:
    user = _user(request)
    _utility_only(user)
    case = _case(user, no)
    if not rules.can_act_for_utility(user, case):
        raise _refuse(_("只有本县（市）的客户经理或项目经理可以办理此操作"))
    return user, case


@router.post(
    "/cases/{no}/supplement",
    response={200: CaseOut, **ERRORS},
    summary="Utility: answer the supplement requests (multipart)",
    description=(
        "multipart/form-data: `note` and/or files as `materials`, shared with every department; the "
        "items that asked go back to their departments (409 when no item waits for a supplement)."
    ),
)
def case_supplement(
    request: HttpRequest, no: str, payload: Form[SupplementIn], materials: File[list[UploadedFile] | None] = None
) -> dict[str, Any]:
    user, case = _utility_case(request, no)
    services.case_supplement(case=case, actor=user, note=payload.note, materials=list(materials or []))
    return _case_out(user, _case(user, no))


@router.post(
    "/cases/{no}/completion",
    response={200: CaseOut, **ERRORS},
    summary="Utility: report completion of the works",
    description=(
        "Commitment and filing cases, once the application is energised: the restoration deadline "
        "starts and each department is asked to confirm restoration (409 otherwise)."
    ),
)
def completion_report(request: HttpRequest, no: str, payload: NoteIn | None = None) -> dict[str, Any]:
    user, case = _utility_case(request, no)
    services.completion_report(case=case, actor=user, note=payload.note if payload else "")
    return _case_out(user, _case(user, no))


@router.post(
    "/cases/{no}/withdraw",
    response={200: CaseOut, **ERRORS},
    summary="Utility: withdraw an open case (撤回)",
    description=(
        'JSON `{"reason": "..."}` (required). For when the application was withdrawn or cancelled, '
        "or the route changed: the case becomes `withdrawn`, its undecided items `stopped` (their "
        "departments are told), decided items keep their decision, and the application's approval "
        "interval ends. A new case may then be opened. 409 when the case is no longer open."
    ),
)
def case_withdraw(request: HttpRequest, no: str, payload: CaseWithdrawIn) -> dict[str, Any]:
    user, case = _utility_case(request, no)
    services.case_withdraw(case=case, actor=user, reason=payload.reason)
    return _case_out(user, _case(user, no))
