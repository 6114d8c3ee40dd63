"""/api/v1/applications: applicants, the back office's terminals, and the public progress query.

Endpoints are thin: fetch the application through the selector (404 when the caller may not see
it), ask rules.py whether the caller may act (403), call one service, answer. Errors are turned
into JSON by the handlers in bandian/api.py.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema
from ninja.errors import AuthorizationError, HttpError, ValidationError
from ninja.files import UploadedFile
from ninja.responses import Status as Reply
from pydantic import Field

from bandian.accounts.auth import api_auth
from bandian.accounts.models import County, User
from bandian.applications import progress as progress_lookup
from bandian.applications import rules, schemas, services
from bandian.applications.enums import Channel, EventType, Status
from bandian.applications.models import Application
from bandian.applications.selectors import get_application_for_user, urgency
from bandian.core.errors import NotYourCounty, ServiceError
from bandian.core.schemas import ERRORS, READ_ERRORS, errors
from bandian.core.time import SHANGHAI
from bandian.policy.classes import CustomerClass
from bandian.policy.loader import active_policy
from bandian.policy.schema import Policy, PolicyGap
from bandian.workdays.calendar import WorkCalendar
from bandian.workdays.selectors import get_calendar

router = Router(auth=api_auth)


def api_user(request: HttpRequest) -> User:
    """The authenticated user of an API request (bearer token or session)."""
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def api_application(request: HttpRequest, no: str) -> Application:
    """The application `no` if the API caller may see it, else 404 (also for a malformed number)."""
    if not no or len(no) > 32 or "\x00" in no:
        raise Http404(_("没有找到该申请"))
    try:
        return get_application_for_user(api_user(request), no)
    except Http404:
        raise Http404(_("没有找到该申请")) from None


def _refuse(message: str) -> AuthorizationError:
    return AuthorizationError(message=message)


def _local(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(SHANGHAI) if value is not None else None


def _county_name(policy: Policy, adcode: str) -> str:
    return policy.counties.get(adcode, adcode)


def _stage_name(policy: Policy, stage: str) -> str:
    return policy.stages[stage].zh if stage in policy.stages else stage


def _step_limits(policy: Policy, customer_class: str, start: dt.datetime | None) -> dict[str, int] | None:
    day = (start or timezone.now()).astimezone(SHANGHAI).date()
    try:
        return dict(policy.limit_for(customer_class, day).steps)
    except (PolicyGap, KeyError):
        return None


def _summary(app: Application, policy: Policy) -> dict[str, Any]:
    return {
        "no": app.no,
        "customer_class": app.customer_class,
        "customer_class_name": str(CustomerClass(app.customer_class).label),
        "county": app.county_id,
        "county_name": _county_name(policy, app.county_id),
        "urban": app.urban,
        "address": app.address,
        "channel": app.channel,
        "status": app.status,
        "status_name": str(Status(app.status).label),
        "current_stage": app.current_stage,
        "current_stage_name": _stage_name(policy, app.current_stage) if app.current_stage else "",
        "created_at": _local(app.created_at),
        "submitted_at": _local(app.submitted_at),
        "stage_due_at": _local(app.stage_due_at),
        "due_at": _local(app.due_at),
        "energised_at": _local(app.energised_at),
    }


def _manager(user: User | None) -> dict[str, str] | None:
    return {"username": user.username, "name": str(user)} if user is not None else None


def _detail(app: Application) -> dict[str, Any]:
    """Everything the applicant and staff see of one application, clocks included."""
    policy = active_policy()
    clocks = services.application_clocks(app, policy=policy)
    events = list(app.events.order_by("seq"))
    pause_notes = {(e.occurred_at, e.reason): e.note for e in events if e.type == EventType.PAUSED}
    if clocks.stages:
        steps = [
            {
                "stage": s.stage,
                "name": _stage_name(policy, s.stage),
                "limit_workdays": s.limit_workdays,
                "started_at": _local(s.started_at),
                "completed_at": _local(s.completed_at),
                "due_at": _local(s.due_at),
                "used_workdays": round(s.used_workdays, 3),
                "current": s.stage == clocks.current_stage,
            }
            for s in clocks.stages
        ]
    else:  # a draft: the steps it will have, with their limits
        limits = _step_limits(policy, app.customer_class, None) or {}
        steps = [
            {
                "stage": stage,
                "name": _stage_name(policy, stage),
                "limit_workdays": limits.get(stage, 0),
                "started_at": None,
                "completed_at": None,
                "due_at": None,
                "used_workdays": 0.0,
                "current": False,
            }
            for stage in policy.classes[app.customer_class].steps
        ]
    return {
        **_summary(app, policy),
        "applicant_name": app.applicant_name,
        "phone": app.phone,
        "capacity_kw": app.capacity_kw,
        "voltage_kv": app.voltage_kv,
        "extended_boundary": app.extended_boundary,
        "extended_boundary_reason": app.extended_boundary_reason,
        "closed_at": _local(app.closed_at),
        "zero_investment": app.zero_investment,
        "eligibility_rule": app.eligibility_rule,
        "restart_of": app.restart_of.no if app.restart_of_id and app.restart_of else None,
        "customer_manager": _manager(app.customer_manager),
        "project_manager": _manager(app.project_manager),
        "limit_clock": clocks.limit_clock,
        "limit_workdays": clocks.limit_workdays,
        "limit_used_workdays": round(clocks.limit_used_workdays, 3),
        "deadline_missing_year": getattr(clocks, "deadline_missing_year", None),
        "full_process_workdays": round(clocks.full_process_workdays, 3),
        "utility_workdays": round(clocks.utility_workdays, 3),
        "approval_workdays": round(clocks.approval_workdays, 3),
        "visits": clocks.visits,
        "steps": steps,
        "pauses": [
            {
                "start": _local(p.start),
                "end": _local(p.end),
                "reason": p.reason,
                "reason_name": policy.pause_reasons[p.reason].zh if p.reason in policy.pause_reasons else p.reason,
                "note": pause_notes.get((p.start, p.reason), ""),
            }
            for p in clocks.pauses
        ],
        "required_documents": list(policy.classes[app.customer_class].documents),
        "documents": [
            {
                "kind": d.kind,
                "name": policy.documents[d.kind].zh if d.kind in policy.documents else d.kind,
                "content_type": d.content_type,
                "size": d.size,
                "sha256": d.sha256,
                "uploaded_at": _local(d.uploaded_at),
            }
            for d in app.documents.order_by("kind")
        ],
        "events": [
            {
                "seq": e.seq,
                "type": e.type,
                "name": str(EventType(e.type).label) if e.type in EventType.values else e.type,
                "occurred_at": _local(e.occurred_at),
                "received_at": _local(e.received_at),
                "device_at": _local(e.device_at),
                "device_id": e.device_id,
                "stage": e.stage,
                "reason": e.reason,
                "note": e.note,
                "backfilled": e.backfilled,
            }
            for e in events
        ],
    }


def _action_result(app: Application) -> dict[str, Any]:
    """The state after a field action, with the server's own receipt time of the event."""
    last = app.events.order_by("-seq").only("seq", "received_at").first()
    assert last is not None
    return {
        "no": app.no,
        "status": app.status,
        "status_name": str(Status(app.status).label),
        "current_stage": app.current_stage,
        "stage_due_at": _local(app.stage_due_at),
        "due_at": _local(app.due_at),
        "event_seq": last.seq,
        "received_at": _local(last.received_at),
    }


# The public progress query. Registered before /{no} so that "progress" is not read as a number.


# Its two parameters are checked by hand rather than through a ninja Query schema: on this path
# the schema machinery costs as much as the database lookup. They are published here instead.
PROGRESS_PARAMETERS = [
    {
        "in": "query",
        "name": "no",
        "required": True,
        "description": "the application number, e.g. QDN-2026-000123",
        "schema": {"type": "string", "minLength": 1, "maxLength": 32},
    },
    {
        "in": "query",
        "name": "phone_last4",
        "required": True,
        "description": "the last four digits of the applicant's phone",
        "schema": {"type": "string", "pattern": "^[0-9]{4}$"},
    },
]


def _progress_params(request: HttpRequest) -> tuple[str, str]:
    """The number and the four digits, or 422 naming what is wrong (the same shape as ninja's)."""
    no = progress_lookup.normalise_number(request.GET.get("no", ""))
    digits = request.GET.get("phone_last4", "")
    errors = []
    if not progress_lookup.valid_number(no):
        msg = "must be 1 to 32 characters, without control characters"
        errors.append({"loc": ["query", "no"], "msg": msg, "type": "value_error"})
    if not progress_lookup.valid_digits(digits):
        errors.append({"loc": ["query", "phone_last4"], "msg": "must be exactly four digits", "type": "value_error"})
    if errors:
        raise ValidationError(errors)
    return no, digits


@router.get(
    "/progress",
    auth=None,
    response={200: schemas.ProgressOut, **errors(404, 422, 429)},
    summary="Public progress query (no login)",
    openapi_extra={"parameters": PROGRESS_PARAMETERS},
)
def progress(request: HttpRequest) -> HttpResponse:
    """Steps, deadlines and status of an application, by its number and the last four digits of
    the applicant's phone. Shows no personal data; a wrong number and wrong digits look the same."""
    # The hot public path: the answer is built to match ProgressOut (a test holds it to that) and
    # sent as is, skipping ninja's re-validation of the output, which costs more than the query.
    no, digits = _progress_params(request)
    try:
        found = progress_lookup.find(no, digits, progress_lookup.client_address(request))
    except progress_lookup.ProgressRefused:
        raise HttpError(429, _("查询失败次数过多，请一小时后再试")) from None
    except progress_lookup.ProgressNotFound:
        raise Http404(_("没有找到该申请，请核对申请编号和手机号后四位")) from None
    # Usually the answer the write path stored beside the row, sent as it is.
    return HttpResponse(progress_lookup.answer_for(found, no), content_type="application/json")


# Lists.


class Page(Schema):
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)


class ListQuery(Page):
    status: Status | None = None


class ApplicationPageOut(Schema):
    count: int
    items: list[schemas.ApplicationSummaryOut]


class QueuePageOut(Schema):
    count: int
    items: list[schemas.QueueItemOut]


@router.get("/", response={200: ApplicationPageOut, **errors(401, 422)}, summary="Applications the caller may see")
def application_list(request: HttpRequest, query: Query[ListQuery]) -> dict[str, Any]:
    """An applicant's own applications; staff: their county's; supervisors and admins: all. Newest first."""
    apps = rules.visible_applications(api_user(request)).order_by("-created_at", "-pk")
    if query.status:
        apps = apps.filter(status=query.status)
    policy = active_policy()
    page = apps[query.offset : query.offset + query.limit]
    return {"count": apps.count(), "items": [_summary(app, policy) for app in page]}


def _queue_flags(app: Application, policy: Policy, cal: WorkCalendar, now: dt.datetime) -> dict[str, Any]:
    """The queue page's marks (selectors.urgency), as fields."""
    marks = urgency(app, policy=policy, cal=cal, now=now)
    return {
        "applicant_name": app.applicant_name,
        "paused": app.status == Status.PAUSED,
        "overdue": marks.overdue,
        "nearly_due": marks.nearly_due,
        "stage_used_share": marks.stage_used_share,
    }


@router.get("/queue", response={200: QueuePageOut, **errors(401, 403, 422)}, summary="Staff: the county's work queue")
def queue(request: HttpRequest, query: Query[Page]) -> dict[str, Any]:
    """Open applications of the caller's county, the most urgent current step first."""
    user = api_user(request)
    if not rules.has_work_queue(user):
        raise _refuse(_("只有县（市）供电营业人员有工作队列"))
    apps = (
        rules.visible_applications(user)
        .filter(status__in=Status.open_states())
        .order_by(F("stage_due_at").asc(nulls_last=True), F("due_at").asc(nulls_last=True), "pk")
    )
    policy = active_policy()
    now = timezone.now()
    page = apps[query.offset : query.offset + query.limit]
    cal = get_calendar()
    items = [{**_summary(app, policy), **_queue_flags(app, policy, cal, now)} for app in page]
    return {"count": apps.count(), "items": items}


# Applicant actions.


@router.post("/", response={201: schemas.ApplicationDetailOut, **ERRORS}, summary="Create a draft application")
def application_create(request: HttpRequest, payload: schemas.ApplicationCreateIn) -> Reply[dict[str, Any]]:
    """An applicant applies for themselves (channel online, or api with a token); counter staff
    enter one for someone of their county (channel counter; name and phone required)."""
    user = api_user(request)
    county = County.objects.filter(pk=payload.county).first()
    if county is None:
        raise ServiceError(_("未知的县市代码：%(c)s") % {"c": payload.county})
    common: dict[str, Any] = {
        "actor": user,
        "customer_class": payload.customer_class,
        "county": county,
        "urban": payload.urban,
        "address": payload.address,
        "capacity_kw": Decimal(payload.capacity_kw),
        "voltage_kv": Decimal(payload.voltage_kv),
        "extended_boundary": payload.extended_boundary,
        "extended_boundary_reason": payload.extended_boundary_reason,
        "id_number": payload.id_number,
    }
    if rules.can_apply(user):
        by_token = request.headers.get("Authorization", "").lower().startswith("bearer ")
        app = services.application_create(applicant=user, channel=Channel.API if by_token else Channel.ONLINE, **common)
    elif rules.can_enter_for_others(user):
        del common["actor"]
        try:
            app = services.application_enter_at_counter(
                clerk=user, applicant_name=payload.applicant_name, phone=payload.phone, **common
            )
        except NotYourCounty as exc:
            raise _refuse(str(exc)) from None
    else:
        raise _refuse(_("您的角色不能提交用电申请"))
    return Reply(201, _detail(get_application_for_user(user, app.no)))


@router.get("/{no}", response={200: schemas.ApplicationDetailOut, **READ_ERRORS}, summary="One application with clocks")
def application_detail(request: HttpRequest, no: str) -> dict[str, Any]:
    return _detail(api_application(request, no))


def _check_applicant(user: User, app: Application) -> None:
    if not rules.can_edit_as_applicant(user, app):
        raise _refuse(_("只有申请人（或代办的营业厅人员）可以办理此操作"))


@router.post("/{no}/documents", response={201: schemas.DocumentOut, **ERRORS}, summary="Upload a document (multipart)")
def document_upload(
    request: HttpRequest, no: str, kind: Form[schemas.DocumentKindIn], file: File[UploadedFile]
) -> Reply[dict[str, Any]]:
    """One of the documents the policy names for the class: PDF, JPEG or PNG (checked by content), ≤ 10 MB."""
    user = api_user(request)
    app = api_application(request, no)
    _check_applicant(user, app)
    doc = services.document_upload(application=app, kind=kind.kind, upload=file, actor=user)
    policy = active_policy()
    return Reply(
        201,
        {
            "kind": doc.kind,
            "name": policy.documents[doc.kind].zh,
            "content_type": doc.content_type,
            "size": doc.size,
            "sha256": doc.sha256,
            "uploaded_at": _local(doc.uploaded_at),
        },
    )


@router.post("/{no}/submit", response={200: schemas.ApplicationDetailOut, **ERRORS}, summary="Submit")
def application_submit(request: HttpRequest, no: str) -> dict[str, Any]:
    """Submits a draft with all its documents; the answer shows the 三零 decision and the rule."""
    user = api_user(request)
    app = api_application(request, no)
    _check_applicant(user, app)
    services.application_submit(application=app, actor=user)
    return _detail(get_application_for_user(user, no))


@router.post("/{no}/withdraw", response={200: schemas.ApplicationDetailOut, **ERRORS}, summary="Withdraw")
def application_withdraw(request: HttpRequest, no: str, payload: schemas.WithdrawIn | None = None) -> dict[str, Any]:
    user = api_user(request)
    app = api_application(request, no)
    _check_applicant(user, app)
    services.application_withdraw(application=app, actor=user, note=payload.note if payload else "")
    return _detail(get_application_for_user(user, no))


# Staff actions (mobile terminals: device_time and device_id).


def _check_handler(user: User, app: Application) -> None:
    if not rules.can_handle(user, app):
        raise _refuse(_("只有本县（市）的客户经理或项目经理可以办理此操作"))


@router.post(
    "/{no}/complete-step", response={200: schemas.ActionOut, **ERRORS}, summary="Staff: complete the current step"
)
def stage_complete(request: HttpRequest, no: str, payload: schemas.StageCompleteIn) -> dict[str, Any]:
    user = api_user(request)
    app = api_application(request, no)
    _check_handler(user, app)
    app = services.stage_complete(
        application=app,
        stage=payload.stage,
        actor=user,
        note=payload.note,
        device_at=payload.device_time,
        device_id=payload.device_id,
        feeder=payload.feeder,
    )
    return _action_result(app)


@router.post(
    "/{no}/pause",
    response={200: schemas.ActionOut, **ERRORS},
    summary="Staff: pause for a customer reason (multipart: reason, note, optional evidence file)",
)
def application_pause(
    request: HttpRequest, no: str, payload: Form[schemas.PauseIn], evidence: File[UploadedFile | None] = None
) -> dict[str, Any]:
    user = api_user(request)
    app = api_application(request, no)
    _check_handler(user, app)
    app = services.application_pause(
        application=app,
        reason=payload.reason,
        note=payload.note,
        actor=user,
        evidence=evidence,
        device_at=payload.device_time,
        device_id=payload.device_id,
    )
    return _action_result(app)


@router.post("/{no}/resume", response={200: schemas.ActionOut, **ERRORS}, summary="Staff: resume after a pause")
def application_resume(request: HttpRequest, no: str, payload: schemas.ResumeIn) -> dict[str, Any]:
    user = api_user(request)
    app = api_application(request, no)
    _check_handler(user, app)
    app = services.application_resume(
        application=app, actor=user, note=payload.note, device_at=payload.device_time, device_id=payload.device_id
    )
    return _action_result(app)


@router.post("/{no}/visit", response={200: schemas.ActionOut, **ERRORS}, summary="Staff: record an in-person visit")
def visit_record(request: HttpRequest, no: str, payload: schemas.VisitIn) -> dict[str, Any]:
    user = api_user(request)
    app = api_application(request, no)
    if not rules.can_record_visit(user, app):
        raise _refuse(_("只有本县（市）的供电营业人员可以登记客户到场"))
    app = services.visit_record(
        application=app, actor=user, note=payload.note, device_at=payload.device_time, device_id=payload.device_id
    )
    return _action_result(app)


@router.post("/{no}/cancel", response={200: schemas.ActionOut, **ERRORS}, summary="Staff: cancel with a reason")
def application_cancel(request: HttpRequest, no: str, payload: schemas.CancelIn) -> dict[str, Any]:
    user = api_user(request)
    app = api_application(request, no)
    _check_handler(user, app)
    app = services.application_cancel(application=app, actor=user, note=payload.reason)
    return _action_result(app)
