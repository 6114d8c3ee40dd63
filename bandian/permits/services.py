"""The one way to change an approval case of external line works.

Each public function is one action of one person, in one transaction, with the case row taken
under `select_for_update()`: it checks the request against the case's state and the policy,
changes the rows, appends a `CaseLog` row, feeds the application's approval clock through
`applications.services.approval_start` / `approval_complete`, and queues notifications.
Who may call which action is decided in `rules.py` (the views and the API check it first).

Every action takes `at=`, when it happened (default: now; never later than now), and
`notify_people=False` for history recorded after the fact (the demo), like
`applications.services.record_event`. A case may be opened for an application energised since,
at a time it was in progress: it is then history, and the application's timeline (which holds
its own approval interval) is left as it is. A department's decision may have no actor only as
such history (`at=` given): the person who took it is not known.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bandian.accounts.models import County, Department, User
from bandian.applications import services as app_services
from bandian.applications.enums import Status
from bandian.applications.models import Application
from bandian.core.errors import ServiceError, StateConflict
from bandian.core.time import SHANGHAI
from bandian.core.uploads import ALLOWED_CONTENT, safe_name
from bandian.notify.services import notify
from bandian.permits.departments import department_code, sync_departments
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
from bandian.permits.pdf import case_document
from bandian.policy import voltages
from bandian.policy.loader import active_policy
from bandian.policy.schema import Policy
from bandian.workdays.calendar import DAY, CalendarYearMissing
from bandian.workdays.selectors import get_calendar

__all__ = [
    "case_open",
    "case_state_set",
    "case_supplement",
    "case_withdraw",
    "completion_report",
    "decide_path",
    "departments_sync",
    "item_approve",
    "item_refuse",
    "item_request_supplement",
    "item_state_set",
    "restoration_confirm",
]

LINE_VOLTAGES = set(voltages.LINE_VOLTAGES)  # the standard voltages (bandian/policy/voltages.py)
MAX_ROUTE_M = Decimal("100000")


# Pure: which path a route takes.


def decide_path(policy: Policy, *, voltage_kv: float, length_m: float, has_wells: bool) -> CasePath:
    """Filing for low-voltage short lines, notification-commitment for short lines up to 20 kV,
    parallel approval for the rest; every threshold from the policy."""
    permits, approval = policy.permits, policy.approval
    if (
        voltage_kv <= permits.filing_max_kv
        and length_m <= permits.filing_max_length_m
        and not (has_wells and permits.filing_excludes_wells)
    ):
        return CasePath.FILING
    if (
        voltage_kv <= approval.commitment_max_kv
        and length_m <= approval.commitment_max_length_m
        and not (has_wells and approval.commitment_excludes_wells)
    ):
        return CasePath.COMMITMENT
    return CasePath.PARALLEL


def deadline(start: dt.datetime, workdays: int) -> dt.datetime | None:
    """`workdays` working days after start; None when the calendar lacks a year (never guessed)."""
    try:
        return get_calendar().deadline(start, workdays * DAY)
    except CalendarYearMissing:
        return None


# Internals.


def _when(at: dt.datetime | None) -> dt.datetime:
    """When an action happened: `at`, or now; never later than now."""
    now = timezone.now()
    if at is None:
        return now
    if at > now:
        raise ServiceError(_("办理时间不能晚于当前时间"))
    return at


def _history_only(actor: User | None, at: dt.datetime | None) -> None:
    if actor is None and at is None:
        raise ValueError("an action without an actor is history recorded after the fact: give at=")


def _lock(case: ApprovalCase) -> ApprovalCase:
    return ApprovalCase.objects.select_for_update().select_related("application").get(pk=case.pk)


def _log(
    case: ApprovalCase,
    action: LogAction,
    actor: User | None,
    *,
    item: PermitItem | None = None,
    note: str = "",
    at: dt.datetime | None = None,
) -> CaseLog:
    return CaseLog.objects.create(case=case, item=item, action=action, actor=actor, at=at or timezone.now(), note=note)


# The log row each state of a case or of an item is entered with.
CASE_STATE_ACTIONS = {
    CaseStatus.APPROVED: LogAction.CASE_APPROVED,
    CaseStatus.REFUSED: LogAction.CASE_REFUSED,
    CaseStatus.WITHDRAWN: LogAction.WITHDRAWN,
    CaseStatus.RESTORING: LogAction.COMPLETION_REPORTED,
    CaseStatus.CLOSED: LogAction.CLOSED,
}
ITEM_STATE_ACTIONS = {
    ItemStatus.APPROVED: LogAction.APPROVED,
    ItemStatus.REFUSED: LogAction.REFUSED,
    ItemStatus.FILED: LogAction.FILED,
    ItemStatus.STOPPED: LogAction.STOPPED,
    ItemStatus.SUPPLEMENT_REQUESTED: LogAction.SUPPLEMENT_REQUESTED,
    ItemStatus.PENDING: LogAction.SUPPLEMENT_PROVIDED,
}
DECISIONS = (CaseStatus.APPROVED, CaseStatus.REFUSED, CaseStatus.WITHDRAWN)
ITEM_DECISIONS = (ItemStatus.APPROVED, ItemStatus.REFUSED, ItemStatus.FILED, ItemStatus.STOPPED)


def case_state_set(
    case: ApprovalCase, status: CaseStatus, *, actor: User | None, at: dt.datetime | None = None, note: str = ""
) -> CaseLog:
    """The one place a case's state changes: it sets the state (with `decided_at` for a decision,
    `closed_at` for the close), saves the case and writes its log row, all at the instant `at`
    (default: now). The caller holds the case under lock and has checked the change."""
    at = at or timezone.now()
    case.status = status
    if status in DECISIONS:
        case.decided_at = at
    elif status == CaseStatus.CLOSED:
        case.closed_at = at
    case.save()
    return _log(case, CASE_STATE_ACTIONS[status], actor, note=note, at=at)


def item_state_set(
    case: ApprovalCase,
    item: PermitItem,
    status: ItemStatus,
    *,
    actor: User | None,
    at: dt.datetime | None = None,
    note: str = "",
    decided_by: User | None = None,
) -> CaseLog:
    """The one place an item's state changes, with its log row (the case is under lock)."""
    at = at or timezone.now()
    item.status = status
    fields = ["status"]
    if status in ITEM_DECISIONS:
        item.decided_at = at
        item.decided_by = decided_by
        fields += ["decided_at", "decided_by"]
    if status == ItemStatus.REFUSED:
        item.reason = note
        fields.append("reason")
    item.save(update_fields=fields)
    return _log(case, ITEM_STATE_ACTIONS[status], actor, item=item, note=note, at=at)


def _item_name(policy: Policy, item_type: str) -> str:
    spec = policy.permits.items.get(item_type)
    return spec.zh if spec else item_type


def _tell_utility(case: ApprovalCase, subject: str, body: str) -> None:
    """The customer manager of the application and whoever opened the case (in-app)."""
    app = case.application
    people = {u for u in (app.customer_manager, case.opened_by) if u is not None}
    for person in people:
        notify(subject=subject, body=f"{case.no}：{body}", recipient=person, application_id=app.pk, sms=False)


def _tell_departments(case: ApprovalCase, department_ids: Iterable[int], subject: str, body: str) -> None:
    for member in User.objects.filter(department_id__in=set(department_ids), is_active=True):
        notify(
            subject=subject, body=f"{case.no}：{body}", recipient=member, application_id=case.application_id, sms=False
        )


def _store_materials(
    case: ApprovalCase, uploads: Sequence[UploadedFile], actor: User, *, at: dt.datetime
) -> list[CaseMaterial]:
    checked = [(upload, *app_services.checked_upload(upload)) for upload in uploads]
    stored = []
    for n, (upload, content, mime) in enumerate(checked, start=case.materials.count() + 1):
        material = CaseMaterial(
            case=case,
            content_type=mime,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            original_name=safe_name(upload.name or "material"),
            uploaded_by=actor,
            uploaded_at=at,
        )
        material.file.save(f"{case.no}-{n:02d}.{ALLOWED_CONTENT[mime]}", ContentFile(content), save=False)
        material.save()
        _log(case, LogAction.MATERIAL_ADDED, actor, note=material.original_name, at=at)
        stored.append(material)
    return stored


def _issue_document(case: ApprovalCase, policy: Policy) -> None:
    content = case_document(case, list(case.items.select_related("department")), policy)
    case.document_sha256 = hashlib.sha256(content).hexdigest()
    case.document.save(f"{case.no}.pdf", ContentFile(content), save=False)


def _approval_done(case: ApprovalCase, actor: User | None, *, at: dt.datetime) -> None:
    """The last decision: the application's approval interval ends (if the application is still open)."""
    app = Application.objects.get(pk=case.application_id)
    if app.status in Status.open_states():
        app_services.approval_complete(application=app, actor=actor, note=case.no, at=at)


def _finish_if_approved(
    case: ApprovalCase, actor: User | None, policy: Policy, *, at: dt.datetime, notify_people: bool
) -> None:
    """When every item is approved: one combined approval document for the case. Which department
    decided last does not matter; the document lists them all."""
    items = list(case.items.select_related("department").order_by("pk"))
    if any(i.status != ItemStatus.APPROVED for i in items):
        return
    case.decided_at = at
    _issue_document(case, policy)
    case_state_set(case, CaseStatus.APPROVED, actor=actor, at=at)
    _approval_done(case, actor, at=at)
    if notify_people:
        _tell_utility(case, _("外线工程审批已通过"), _("各部门均已批准，审批结果已统一出件。"))


def _stop_waiting_items(case: ApprovalCase, actor: User | None, *, now: dt.datetime, reason: str) -> list[PermitItem]:
    """The case ended before these items were decided: they need no decision any more."""
    stopped = list(
        case.items.select_related("department").filter(status__in=ItemStatus.undecided_states()).order_by("pk")
    )
    for item in stopped:
        item_state_set(case, item, ItemStatus.STOPPED, actor=actor, at=now, note=reason)
    return stopped


def _refuse_case(
    case: ApprovalCase, refused: PermitItem, actor: User | None, policy: Policy, *, at: dt.datetime, notify_people: bool
) -> None:
    """A refusal ends the case at once: the items still waiting are stopped (their departments are
    told), the application's approval interval ends, and the utility reads the reason."""
    reason = f"{refused.department.name}（{_item_name(policy, refused.item_type)}）：{refused.reason}"
    stopped = _stop_waiting_items(case, actor, now=at, reason=reason)
    case_state_set(case, CaseStatus.REFUSED, actor=actor, at=at, note=reason)
    _approval_done(case, actor, at=at)
    if not notify_people:
        return
    _tell_utility(case, _("外线工程审批未通过"), reason)
    if stopped:
        _tell_departments(
            case,
            {i.department_id for i in stopped},
            _("外线工程审批已终止"),
            _("%(no)s 已因其他部门不予许可而终止，贵部门的事项无需再审查。理由：%(r)s") % {"no": case.no, "r": reason},
        )


def _check_item_open(case: ApprovalCase, item: PermitItem, *, at: dt.datetime) -> None:
    if case.status != CaseStatus.OPEN:
        raise StateConflict(_("该审批已结束"))
    if at < case.opened_at:
        raise ServiceError(_("办理时间早于该审批的受理时间"))
    if item.status not in ItemStatus.undecided_states():
        raise StateConflict(_("该事项已经办结"))


def _locked_item(item: PermitItem) -> tuple[ApprovalCase, PermitItem]:
    case = _lock(item.case)
    return case, PermitItem.objects.select_related("department").get(pk=item.pk)


# Actions.


def departments_sync() -> int:
    """Create the departments the policy names that are missing (e.g. after a county was added)."""
    return sync_departments(Department, County, active_policy().permits)


def _in_progress_then(app: Application, at: dt.datetime) -> bool:
    """Whether an application energised since was in progress at `at` (submitted, not yet energised)."""
    return (
        app.status == Status.ENERGISED
        and app.submitted_at is not None
        and app.energised_at is not None
        and app.submitted_at <= at < app.energised_at
    )


def case_open(
    *,
    application: Application,
    actor: User,
    route: str,
    route_length_m: Decimal,
    voltage_kv: Decimal,
    has_wells: bool,
    crossings: str,
    item_types: Sequence[str],
    materials: Sequence[UploadedFile] = (),
    commitment_signed: bool = False,
    at: dt.datetime | None = None,
    notify_people: bool = True,
) -> ApprovalCase:
    """Unified intake: one case for the application's external line works, at `at` (default now).

    The path is decided from the policy: filing (备案) and notification-commitment (告知承诺) are
    decided at once (the commitment must be signed by the actor), the rest goes to the
    departments in parallel and starts the application's approval clock. With `at`, the case may
    be history of an application energised since, opened while it was in progress: its timeline
    is then left as it is (it holds its own approval interval).
    """
    policy = active_policy()
    now = _when(at)
    try:
        length = Decimal(route_length_m)
        voltage = Decimal(voltage_kv)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ServiceError(_("线路长度和电压等级须为数字")) from exc
    if not route.strip():
        raise ServiceError(_("请填写线路路径"))
    if not (0 < length <= MAX_ROUTE_M):
        raise ServiceError(_("线路长度须大于 0 且不超过 100 千米"))
    if voltage not in LINE_VOLTAGES:
        raise ServiceError(_("电压等级应为 0.22、0.38、0.4、10 或 20 kV"))
    types = list(dict.fromkeys(item_types))
    if not types:
        raise ServiceError(_("请至少选择一项审批事项"))
    unknown = [t for t in types if t not in policy.permits.items]
    if unknown:
        raise ServiceError(_("未知的审批事项：%(t)s") % {"t": "、".join(unknown)})
    path = decide_path(policy, voltage_kv=float(voltage), length_m=float(length), has_wells=has_wells)
    if path == CasePath.COMMITMENT and not commitment_signed:
        raise ServiceError(_("本线路适用告知承诺制，请签署告知承诺书"))
    if path == CasePath.PARALLEL and not materials:
        raise ServiceError(_("请上传审批材料（各部门共享）"))
    for upload in materials:
        app_services.checked_upload(upload)
    codes = {
        t: department_code(policy.permits, policy.permits.items[t].department, application.county_id) for t in types
    }
    departments = {d.code: d for d in Department.objects.filter(code__in=set(codes.values()))}
    missing = sorted(set(codes.values()) - set(departments))
    if missing:
        raise ServiceError(_("审批部门尚未登记：%(d)s") % {"d": "、".join(missing)})

    with transaction.atomic():
        app = Application.objects.select_for_update().get(pk=application.pk)
        live = app.status in Status.open_states()
        if not (live or (at is not None and _in_progress_then(app, now))):
            raise StateConflict(_("申请未在办理中，不能发起外线工程审批"))
        if ApprovalCase.objects.filter(application=app, status=CaseStatus.OPEN).exists():
            raise StateConflict(_("该申请已有审批中的外线工程审批"))
        # 四（二）: the listed items are approved together within one total, at any voltage.
        limit = policy.parallel_approval_limit(now.astimezone(SHANGHAI).date())
        item_due = deadline(now, limit)
        case = ApprovalCase.objects.create(
            no=f"{app.no}-W{ApprovalCase.objects.filter(application=app).count() + 1:02d}",
            application=app,
            opened_by=actor,
            policy_name=policy.policy.name,
            route=route.strip(),
            route_length_m=length,
            voltage_kv=voltage,
            has_wells=has_wells,
            crossings=crossings.strip(),
            path=path,
            opened_at=now,
            limit_workdays=limit,
            due_at=deadline(now, limit),
        )
        items = [
            PermitItem.objects.create(case=case, item_type=t, department=departments[codes[t]], due_at=item_due)
            for t in types
        ]
        _log(case, LogAction.OPENED, actor, note=str(CasePath(path).label), at=now)
        _store_materials(case, materials, actor, at=now)
        if live:
            app_services.approval_start(application=app, actor=actor, note=case.no, at=now)
        dept_ids = [i.department_id for i in items]
        if path == CasePath.PARALLEL:
            if notify_people:
                _tell_departments(case, dept_ids, _("新的外线工程审批事项"), f"{app.address}，{case.route}")
            return case
        # Commitment and filing are decided at intake.
        if path == CasePath.COMMITMENT:
            case.commitment_signed_by = actor
            case.commitment_signed_at = now
            _log(case, LogAction.COMMITMENT_SIGNED, actor, at=now)
            decided = ItemStatus.APPROVED
        else:
            decided = ItemStatus.FILED
        for item in items:
            item_state_set(case, item, decided, actor=None, at=now, note=str(CasePath(path).label))
        case.decided_at = now
        _issue_document(case, policy)
        case_state_set(case, CaseStatus.APPROVED, actor=actor, at=now, note=str(CasePath(path).label))
        if live:
            app_services.approval_complete(application=app, actor=actor, note=case.no, at=now)
        if not notify_people:
            return case
        _tell_departments(
            case,
            dept_ids,
            _("外线工程告知承诺") if path == CasePath.COMMITMENT else _("外线工程备案"),
            _("%(a)s，%(r)s：施工完成后供电企业将报告并恢复道路绿化。") % {"a": app.address, "r": case.route},
        )
    return case


def item_approve(
    *,
    item: PermitItem,
    actor: User | None,
    note: str = "",
    at: dt.datetime | None = None,
    notify_people: bool = True,
) -> PermitItem:
    """A department approves its item; the last approval approves the case (one document)."""
    _history_only(actor, at)
    policy = active_policy()
    now = _when(at)
    with transaction.atomic():
        case, item = _locked_item(item)
        _check_item_open(case, item, at=now)
        item_state_set(case, item, ItemStatus.APPROVED, actor=actor, at=now, note=note.strip(), decided_by=actor)
        _finish_if_approved(case, actor, policy, at=now, notify_people=notify_people)
    return item


def item_refuse(
    *,
    item: PermitItem,
    actor: User | None,
    reason: str,
    at: dt.datetime | None = None,
    notify_people: bool = True,
) -> PermitItem:
    """Refuse one item, with the reason the utility will read. This ends the case at once: the
    utility can change the route and open a new case instead of waiting for the others."""
    _history_only(actor, at)
    policy = active_policy()
    if not reason.strip():
        raise ServiceError(_("不予许可须说明理由"))
    now = _when(at)
    with transaction.atomic():
        case, item = _locked_item(item)
        _check_item_open(case, item, at=now)
        item_state_set(case, item, ItemStatus.REFUSED, actor=actor, at=now, note=reason.strip(), decided_by=actor)
        _refuse_case(case, item, actor, policy, at=now, notify_people=notify_people)
    return item


def item_request_supplement(
    *,
    item: PermitItem,
    actor: User | None,
    note: str,
    at: dt.datetime | None = None,
    notify_people: bool = True,
) -> PermitItem:
    """Ask the utility for more material (logged, visible to the utility and supervisors). The
    item's due date does not move: the approval clock runs from intake to the last decision."""
    _history_only(actor, at)
    policy = active_policy()
    if not note.strip():
        raise ServiceError(_("请说明需要补正的内容"))
    now = _when(at)
    with transaction.atomic():
        case, item = _locked_item(item)
        _check_item_open(case, item, at=now)
        item_state_set(case, item, ItemStatus.SUPPLEMENT_REQUESTED, actor=actor, at=now, note=note.strip())
        if not notify_people:
            return item
        _tell_utility(
            case,
            _("审批部门要求补正材料"),
            f"{item.department.name}（{_item_name(policy, item.item_type)}）：{note.strip()}",
        )
    return item


def case_supplement(
    *,
    case: ApprovalCase,
    actor: User,
    note: str,
    materials: Sequence[UploadedFile] = (),
    at: dt.datetime | None = None,
    notify_people: bool = True,
) -> ApprovalCase:
    """The utility answers the supplement requests: note and files, shared with every
    department; the items that asked go back to their departments."""
    if not note.strip() and not materials:
        raise ServiceError(_("请填写补正说明或上传材料"))
    for upload in materials:
        app_services.checked_upload(upload)
    now = _when(at)
    with transaction.atomic():
        case = _lock(case)
        if case.status != CaseStatus.OPEN:
            raise StateConflict(_("该审批已结束"))
        waiting = list(case.items.filter(status=ItemStatus.SUPPLEMENT_REQUESTED))
        if not waiting:
            raise StateConflict(_("没有待补正的审批事项"))
        _store_materials(case, materials, actor, at=now)
        for item in waiting:
            item_state_set(case, item, ItemStatus.PENDING, actor=actor, at=now, note=note.strip())
        if not notify_people:
            return case
        _tell_departments(
            case, [i.department_id for i in waiting], _("外线工程审批材料已补正"), note.strip() or _("已上传补正材料")
        )
    return case


def case_withdraw(
    *, case: ApprovalCase, actor: User, reason: str, at: dt.datetime | None = None, notify_people: bool = True
) -> ApprovalCase:
    """The utility ends an open case (the application was withdrawn or cancelled, or the route
    changed): the items still waiting are stopped and their departments told, the application's
    approval interval ends (if the application is still open), and a new case may be opened."""
    reason = reason.strip()
    if not reason:
        raise ServiceError(_("撤回审批须说明理由"))
    now = _when(at)
    with transaction.atomic():
        case = _lock(case)
        if case.status != CaseStatus.OPEN:
            raise StateConflict(_("只能撤回审批中的外线工程审批"))
        stopped = _stop_waiting_items(case, actor, now=now, reason=reason)
        case_state_set(case, CaseStatus.WITHDRAWN, actor=actor, at=now, note=reason)
        _approval_done(case, actor, at=now)
        if stopped and notify_people:
            _tell_departments(
                case,
                {i.department_id for i in stopped},
                _("外线工程审批已撤回"),
                _("%(no)s 已由供电企业撤回，贵部门的事项无需再审查。理由：%(r)s") % {"no": case.no, "r": reason},
            )
    return case


def completion_report(
    *,
    case: ApprovalCase,
    actor: User,
    note: str = "",
    at: dt.datetime | None = None,
    notify_people: bool = True,
) -> ApprovalCase:
    """After energisation (commitment and filing cases): the utility reports completion to each
    department concerned; the restoration deadline starts."""
    policy = active_policy()
    now = _when(at)
    with transaction.atomic():
        case = _lock(case)
        if case.path == CasePath.PARALLEL:
            raise StateConflict(_("并联审批的案件无需报告施工完成"))
        if case.status != CaseStatus.APPROVED:
            raise StateConflict(_("该案件不在待报告施工完成状态"))
        if case.application.status != Status.ENERGISED:
            raise StateConflict(_("申请尚未接电，接电后再报告施工完成"))
        case.completion_reported_at = now
        case.completion_reported_by = actor
        case.restoration_due_at = deadline(now, policy.permits.restoration_workdays)
        case_state_set(case, CaseStatus.RESTORING, actor=actor, at=now, note=note.strip())
        if not notify_people:
            return case
        due = timezone.localtime(case.restoration_due_at).strftime("%Y-%m-%d %H:%M") if case.restoration_due_at else "-"
        _tell_departments(
            case,
            case.items.values_list("department_id", flat=True),
            _("外线工程施工完成报告"),
            _("施工已完成，道路和绿化恢复期限：%(d)s，请现场确认。") % {"d": due},
        )
    return case


def restoration_confirm(
    *,
    item: PermitItem,
    actor: User | None,
    note: str = "",
    at: dt.datetime | None = None,
    notify_people: bool = True,
) -> PermitItem:
    """A department confirms that roads or greenery of its item are restored; the case closes
    when every item is confirmed."""
    _history_only(actor, at)
    now = _when(at)
    with transaction.atomic():
        case, item = _locked_item(item)
        if case.status != CaseStatus.RESTORING:
            raise StateConflict(_("该案件不在待恢复确认状态"))
        if item.restoration_confirmed_at is not None:
            raise StateConflict(_("已经确认过恢复"))
        item.restoration_confirmed_at = now
        item.restoration_confirmed_by = actor
        item.save(update_fields=["restoration_confirmed_at", "restoration_confirmed_by"])
        _log(case, LogAction.RESTORATION_CONFIRMED, actor, item=item, note=note.strip(), at=now)
        if not case.items.filter(restoration_confirmed_at__isnull=True).exists():
            case_state_set(case, CaseStatus.CLOSED, actor=actor, at=now)
            if notify_people:
                _tell_utility(case, _("外线工程已办结"), _("各部门均已确认道路和绿化恢复。"))
    return item
