"""The one way to change an application.

Every state change goes through `_record`: it takes the application row under lock, checks the
transition against the class's steps from policy, appends the hash-chained event, re-derives
status, clocks and deadlines from the timeline, and queues notifications on commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from decimal import Decimal
from typing import Any

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bandian.accounts.models import County, Role, User
from bandian.applications.clocks import Clocks, TimelineEvent, compute_clocks
from bandian.applications.enums import Channel, CustomerClass, EventType, Status
from bandian.applications.models import Application, Document, Event, Sequence
from bandian.applications.timeline import GENESIS, chain_hash, event_content
from bandian.notify.services import notify
from bandian.policy.loader import active_policy
from bandian.policy.schema import Policy, ZeroInvestmentRule
from bandian.workdays.calendar import SHANGHAI
from bandian.workdays.selectors import get_calendar

ALLOWED_CONTENT = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
LOW_VOLTAGES = {Decimal("0.22"), Decimal("0.38"), Decimal("0.4")}
HIGH_VOLTAGES = {Decimal("10"), Decimal("20")}


class ServiceError(Exception):
    """A request the rules refuse; the message is for the person who asked."""


class StateConflict(ServiceError):
    """Refused because of the application's current state (already submitted, paused, closed…):
    the request itself may be fine at another moment. The API answers 409 for these, 400 for the rest."""


# Reading the timeline.


def application_clocks(app: Application, *, now: dt.datetime | None = None, policy: Policy | None = None) -> Clocks:
    policy = policy or active_policy()
    rule = policy.classes[app.customer_class]  # type: ignore[index]
    start = app.clock_started_at or app.submitted_at
    limit = policy.limit_for(app.customer_class, (start or timezone.now()).astimezone(SHANGHAI).date())
    events = sorted(
        (
            TimelineEvent(type=e.type, at=e.occurred_at, stage=e.stage, reason=e.reason)
            # "application" too: a related manager reads each row's application_id (else one query per row).
            for e in app.events.order_by("seq").only("application", "type", "occurred_at", "stage", "reason")
        ),
        key=lambda e: e.at,
    )
    return compute_clocks(
        events,
        cal=get_calendar(),
        steps=rule.steps,
        step_limits=limit.steps,
        limit_clock=rule.clock,
        now=now or timezone.now(),
        clock_start=app.clock_started_at,
    )


# The choke point.


def _record(
    app: Application,
    *,
    type: EventType,
    actor: User | None,
    stage: str = "",
    reason: str = "",
    note: str = "",
    evidence: UploadedFile | None = None,
    occurred_at: dt.datetime | None = None,
    device_at: dt.datetime | None = None,
    device_id: str = "",
    data: dict[str, Any] | None = None,
) -> Event:
    """Append one event to a locked application's chain and re-derive its state."""
    received_at = timezone.now()
    if device_at is not None and app.submitted_at is not None and device_at < app.submitted_at:
        # A field action cannot have happened before the application existed in the system.
        raise ServiceError(_("终端时间早于申请提交时间，请校准终端时钟"))
    when = device_at or occurred_at or received_at
    # Only a device's own time can be back-filled; skip the query for the rest (imports, demo).
    last = app.events.order_by("-seq").only("received_at").first() if app.event_count and device_at else None
    backfilled = device_at is not None and last is not None and device_at < last.received_at
    evidence_sha = ""
    evidence_name = ""
    event = Event(application=app)
    if evidence is not None:
        content = _read_upload(evidence)
        evidence_sha = hashlib.sha256(content).hexdigest()
        event.evidence.save(_safe_name(evidence.name or "evidence"), ContentFile(content), save=False)
        evidence_name = event.evidence.name
    seq = app.event_count + 1
    prev = app.head_hash or GENESIS
    payload = data or {}
    content_fields = event_content(
        application_no=app.no,
        application_id=app.pk,
        seq=seq,
        type=str(type),
        stage=stage,
        reason=reason,
        note=note,
        evidence=evidence_name,
        evidence_sha256=evidence_sha,
        actor_id=actor.pk if actor else None,
        occurred_at=when,
        received_at=received_at,
        device_at=device_at,
        device_id=device_id,
        backfilled=backfilled,
        data=payload,
        prev_hash=prev,
    )
    event.seq = seq
    event.type = type
    event.stage = stage
    event.reason = reason
    event.note = note
    event.evidence_sha256 = evidence_sha
    event.actor = actor
    event.occurred_at = when
    event.received_at = received_at
    event.device_at = device_at
    event.device_id = device_id
    event.backfilled = backfilled
    event.data = payload
    event.prev_hash = prev
    event.hash = chain_hash(prev, content_fields)
    event.save()
    app.event_count = seq
    app.head_hash = event.hash
    return event


def _derive(app: Application, *, now: dt.datetime | None = None) -> Clocks | None:
    """Store what the timeline implies: status, stage, due dates."""
    if app.submitted_at is None and not app.events.filter(type=EventType.SUBMITTED).exists():
        app.save()
        return None
    clocks = application_clocks(app, now=now)
    app.status = clocks.status
    app.current_stage = clocks.current_stage
    app.submitted_at = clocks.submitted_at
    app.energised_at = clocks.energised_at
    app.closed_at = clocks.energised_at or clocks.closed_at
    app.stage_due_at = clocks.stage_due_at
    app.due_at = clocks.due_at
    app.save()
    return clocks


def _lock(app: Application) -> Application:
    return Application.objects.select_for_update().get(pk=app.pk)


def _read_upload(upload: UploadedFile) -> bytes:
    upload.seek(0)
    return upload.read()


def _safe_name(name: str) -> str:
    base = name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return base[-100:] or "file"


def _applicant_ref(id_number: str) -> str:
    """The stored stand-in for an identity number (the number itself is never stored)."""
    return hashlib.sha256(id_number.strip().upper().encode()).hexdigest() if id_number.strip() else ""


def _normalise_address(address: str) -> str:
    """Addresses compare equal regardless of spacing, letter case and full-width characters."""
    return "".join(unicodedata.normalize("NFKC", address).split()).casefold()


def _next_number(year: int) -> str:
    Sequence.objects.get_or_create(year=year)
    counter = Sequence.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"QDN-{year}-{counter.last:06d}"


def _tell_applicant(app: Application, subject: str, body: str) -> None:
    notify(
        subject=subject,
        body=f"{app.no}：{body}",
        recipient=app.applicant,
        phone=app.phone,
        application_id=app.pk,
    )


# Applicant actions.


def application_create(
    *,
    actor: User,
    customer_class: str,
    county: County,
    urban: bool,
    address: str,
    capacity_kw: Decimal,
    voltage_kv: Decimal,
    applicant: User | None = None,
    applicant_name: str = "",
    phone: str = "",
    id_number: str = "",
    channel: str = Channel.ONLINE,
    extended_boundary: bool = False,
    extended_boundary_reason: str = "",
) -> Application:
    """A draft application. Counter staff enter one for someone: the channel is recorded."""
    policy = active_policy()
    if customer_class not in policy.classes:
        raise ServiceError(_("未知的用户类别：%(c)s") % {"c": customer_class})
    if county.adcode not in policy.counties:
        raise ServiceError(_("该县市不在本方案范围内"))
    if capacity_kw is None or capacity_kw <= 0:
        raise ServiceError(_("报装容量必须大于 0"))
    voltage = policy.classes[customer_class].voltage  # type: ignore[index]
    if voltage == "low" and voltage_kv not in LOW_VOLTAGES:
        raise ServiceError(_("低压用户的电压等级应为 0.22、0.38 或 0.4 kV"))
    if voltage == "high" and voltage_kv not in HIGH_VOLTAGES:
        raise ServiceError(_("高压用户的电压等级应为 10 或 20 kV"))
    if (
        customer_class in (CustomerClass.LV_SANLING, CustomerClass.LV_GENERAL)
        and capacity_kw > Decimal(str(policy.sanling.max_kw)) * 10
    ):
        raise ServiceError(_("低压报装容量过大，请选择高压类别"))
    if not address.strip():
        raise ServiceError(_("请填写用电地址"))
    if extended_boundary and (voltage != "high" or not extended_boundary_reason.strip()):
        raise ServiceError(_("延伸投资界面仅适用于高压用户，并须说明理由"))
    with transaction.atomic():
        now = timezone.now()
        app = Application.objects.create(
            no=_next_number(now.astimezone(SHANGHAI).year),
            applicant=applicant,
            applicant_ref=_applicant_ref(id_number) or (applicant.applicant_ref if applicant else ""),
            applicant_name=applicant_name or (applicant.display_name if applicant else ""),
            phone=phone or (applicant.phone if applicant else ""),
            customer_class=customer_class,
            county=county,
            urban=urban,
            address=address.strip(),
            capacity_kw=capacity_kw,
            voltage_kv=voltage_kv,
            channel=channel,
            entered_by=actor if actor != applicant else None,
            policy_name=policy.policy.name,
            extended_boundary=extended_boundary,
            extended_boundary_reason=extended_boundary_reason.strip(),
        )
        _record(app, type=EventType.CREATED, actor=actor, data={"channel": str(channel)})
        app.save()
    return app


def document_upload(*, application: Application, kind: str, upload: UploadedFile, actor: User) -> Document:
    """Store one of the documents the policy names for the class, checked by content."""
    policy = active_policy()
    allowed = policy.classes[application.customer_class].documents  # type: ignore[index]
    if kind not in allowed:
        raise ServiceError(_("本类别只需提交：%(docs)s") % {"docs": "、".join(policy.documents[d].zh for d in allowed)})
    content, mime = _checked_file(upload)
    with transaction.atomic():
        app = _lock(application)
        if app.status not in (Status.DRAFT, Status.PAUSED):
            raise StateConflict(_("申请已提交，不能再更换资料"))
        digest = hashlib.sha256(content).hexdigest()
        Document.objects.filter(application=app, kind=kind).delete()
        doc = Document(
            application=app,
            kind=kind,
            content_type=mime,
            size=len(content),
            sha256=digest,
            original_name=_safe_name(upload.name or kind),
        )
        doc.file.save(f"{app.no}-{kind}.{ALLOWED_CONTENT[mime]}", ContentFile(content), save=False)
        doc.save()
        _record(app, type=EventType.DOCUMENT_UPLOADED, actor=actor, data={"kind": kind, "sha256": digest})
        _derive(app)
    return doc


def decide_eligibility(
    policy: Policy, *, customer_class: str, day: dt.date, county: str, urban: bool, capacity_kw: float
) -> tuple[str, bool, str]:
    """The class after the 三零 decision, zero investment, and the rule that decided, in words."""
    if customer_class not in (CustomerClass.LV_SANLING, CustomerClass.LV_GENERAL):
        return customer_class, False, ""
    rule: ZeroInvestmentRule | None = None
    if capacity_kw <= policy.sanling.max_kw:
        rule = policy.zero_investment_rule(day=day, county=county, urban=urban, capacity_kw=capacity_kw)
    if rule is not None:
        return (
            CustomerClass.LV_SANLING,
            True,
            f"{rule.zh}（{rule.key}）：≤{rule.max_kw:g} kW，{rule.valid_from.isoformat()} 起零投资",
        )
    return (
        CustomerClass.LV_GENERAL,
        False,
        f"不符合三零条件：{day.isoformat()} 无适用于该地区、{capacity_kw:g} kW 的零投资规则",
    )


def _find_restart_root(app: Application, policy: Policy, now: dt.datetime) -> Application | None:
    """The first application of a restart (requirements §4), or None.

    A restart: the same person (the same identity number, or the same applicant account) at the
    same address (compared after normalising), whose earlier application was submitted and then
    withdrawn or cancelled at most `restart_window_days` ago. A restart of a restart links to the
    first application, so its clocks run from the first submission.
    """
    same_person = Q()
    if app.applicant_ref:
        same_person |= Q(applicant_ref=app.applicant_ref)
    if app.applicant_id is not None:
        same_person |= Q(applicant_id=app.applicant_id)
    if not same_person:
        return None
    window = dt.timedelta(days=policy.counting.restart_window_days)
    candidates = (
        Application.objects.filter(
            same_person,
            status__in=[Status.WITHDRAWN, Status.CANCELLED],
            submitted_at__isnull=False,  # a draft withdrawn unsubmitted never started a clock
            closed_at__gte=now - window,
            closed_at__lte=now,
        )
        .exclude(pk=app.pk)
        .select_related("restart_of")
        .order_by("-closed_at")
    )
    address = _normalise_address(app.address)
    for candidate in candidates:
        if _normalise_address(candidate.address) == address:
            return candidate.restart_of or candidate
    return None


def _assign_managers(app: Application) -> None:
    def least_loaded(role: Role, related: str) -> User | None:
        return (
            User.objects.filter(role=role, county=app.county, is_active=True)
            .annotate(load=Count(related, filter=Q(**{f"{related}__status__in": Status.open_states()})))
            .order_by("load", "pk")
            .first()
        )

    app.customer_manager = least_loaded(Role.CUSTOMER_MANAGER, "managed_applications")
    app.project_manager = least_loaded(Role.PROJECT_MANAGER, "managed_projects")


def application_submit(*, application: Application, actor: User) -> Application:
    policy = active_policy()
    with transaction.atomic():
        app = _lock(application)
        if app.status != Status.DRAFT:
            raise StateConflict(_("申请已经提交"))
        required = policy.classes[app.customer_class].documents  # type: ignore[index]
        have = set(app.documents.values_list("kind", flat=True))
        missing = [policy.documents[d].zh for d in required if d not in have]
        if missing:
            raise ServiceError(_("还缺少资料：%(docs)s") % {"docs": "、".join(missing)})
        now = timezone.now()
        day = now.astimezone(SHANGHAI).date()
        cls, zero, rule_text = decide_eligibility(
            policy,
            customer_class=app.customer_class,
            day=day,
            county=app.county_id,
            urban=app.urban,
            capacity_kw=float(app.capacity_kw),
        )
        app.customer_class = cls
        app.zero_investment = zero
        app.eligibility_rule = rule_text
        root = _find_restart_root(app, policy, now)
        if root is not None:
            app.restart_of = root
            app.clock_started_at = root.clock_started_at or root.submitted_at
        _assign_managers(app)
        _record(
            app,
            type=EventType.SUBMITTED,
            actor=actor,
            data={
                "customer_class": cls,
                "zero_investment": zero,
                "rule": rule_text,
                "restart_of": root.no if root else None,
            },
        )
        _record(
            app,
            type=EventType.ASSIGNED,
            actor=None,
            data={
                "customer_manager": app.customer_manager_id,
                "project_manager": app.project_manager_id,
            },
        )
        _derive(app)
        _tell_applicant(app, _("申请已提交"), _("您的用电申请已提交，我们将尽快受理。"))
        for manager in (app.customer_manager, app.project_manager):
            if manager is not None:
                notify(
                    subject=_("新的用电申请"),
                    body=f"{app.no} {app.address}",
                    recipient=manager,
                    application_id=app.pk,
                    sms=False,
                )
    return app


def application_withdraw(*, application: Application, actor: User, note: str = "") -> Application:
    with transaction.atomic():
        app = _lock(application)
        if app.status not in (Status.DRAFT, *Status.open_states()):
            raise StateConflict(_("该申请已结束，不能撤回"))
        _record(app, type=EventType.WITHDRAWN, actor=actor, note=note.strip())
        if app.status == Status.DRAFT:
            app.status = Status.WITHDRAWN
            app.closed_at = timezone.now()
            app.save()
        else:
            _derive(app)
    return app


# Staff actions. Field actions may carry the terminal's own time and id.


def _check_open(app: Application) -> None:
    if app.status == Status.DRAFT:
        raise StateConflict(_("申请尚未提交"))
    if app.status in Status.closed_states():
        raise StateConflict(_("该申请已结束"))


def _check_device_time(device_at: dt.datetime | None) -> None:
    if device_at is not None and device_at > timezone.now() + dt.timedelta(minutes=5):
        raise ServiceError(_("终端时间晚于服务器时间，请校准终端时钟"))


def stage_complete(
    *,
    application: Application,
    stage: str,
    actor: User,
    note: str = "",
    device_at: dt.datetime | None = None,
    device_id: str = "",
) -> Application:
    policy = active_policy()
    _check_device_time(device_at)
    with transaction.atomic():
        app = _lock(application)
        _check_open(app)
        steps = policy.classes[app.customer_class].steps  # type: ignore[index]
        if stage not in steps:
            raise ServiceError(_("本类别没有“%(s)s”环节") % {"s": stage})
        if app.status == Status.PAUSED:
            raise StateConflict(_("申请处于暂停状态，请先恢复办理"))
        if stage != app.current_stage:
            raise StateConflict(
                _("当前环节是“%(cur)s”，不能完成“%(s)s”")
                % {
                    "cur": policy.stages[app.current_stage].zh if app.current_stage else "-",
                    "s": policy.stages[stage].zh,
                }
            )
        _record(
            app,
            type=EventType.STAGE_COMPLETED,
            actor=actor,
            stage=stage,
            note=note,
            device_at=device_at,
            device_id=device_id,
        )
        _derive(app)
        if app.status == Status.ENERGISED:
            _tell_applicant(app, _("已接电"), _("您的用电已接通，欢迎对本次服务进行评价。"))
        else:
            _tell_applicant(
                app,
                _("环节完成"),
                _("“%(s)s”已完成，下一环节：%(n)s。")
                % {"s": policy.stages[stage].zh, "n": policy.stages[app.current_stage].zh},
            )
    return app


def _checked_file(upload: UploadedFile) -> tuple[bytes, str]:
    """The content and type of an uploaded document or evidence file: PDF, JPEG or PNG of at
    most 10 MB, judged by its content, not by its name."""
    if upload.size is not None and upload.size > settings.DOCUMENT_MAX_BYTES:
        raise ServiceError(_("文件不能超过 10 MB"))
    content = _read_upload(upload)
    if len(content) > settings.DOCUMENT_MAX_BYTES:
        raise ServiceError(_("文件不能超过 10 MB"))
    guess = filetype.guess(content)
    if guess is None or guess.mime not in ALLOWED_CONTENT:
        raise ServiceError(_("只接受 PDF、JPEG 或 PNG 文件（按文件内容判断）"))
    return content, guess.mime


def application_pause(
    *,
    application: Application,
    reason: str,
    note: str,
    actor: User,
    evidence: UploadedFile | None = None,
    device_at: dt.datetime | None = None,
    device_id: str = "",
) -> Application:
    policy = active_policy()
    if reason not in policy.pause_reasons:
        raise ServiceError(_("暂停只能因方案规定的客户原因"))
    if not note.strip():
        raise ServiceError(_("暂停须附说明（证据）"))
    if evidence is not None:
        _checked_file(evidence)
    _check_device_time(device_at)
    with transaction.atomic():
        app = _lock(application)
        _check_open(app)
        if app.status == Status.PAUSED:
            raise StateConflict(_("申请已处于暂停状态"))
        _record(
            app,
            type=EventType.PAUSED,
            actor=actor,
            reason=reason,
            note=note.strip(),
            evidence=evidence,
            device_at=device_at,
            device_id=device_id,
        )
        _derive(app)
        _tell_applicant(
            app, _("办理暂停"), _("因%(r)s暂停计时：%(n)s") % {"r": policy.pause_reasons[reason].zh, "n": note.strip()}
        )
    return app


def application_resume(
    *, application: Application, actor: User, note: str = "", device_at: dt.datetime | None = None, device_id: str = ""
) -> Application:
    _check_device_time(device_at)
    with transaction.atomic():
        app = _lock(application)
        _check_open(app)
        if app.status != Status.PAUSED:
            raise StateConflict(_("申请没有暂停"))
        _record(app, type=EventType.RESUMED, actor=actor, note=note.strip(), device_at=device_at, device_id=device_id)
        _derive(app)
        _tell_applicant(app, _("恢复办理"), _("您的申请已恢复办理，计时继续。"))
    return app


def visit_record(
    *, application: Application, actor: User, note: str, device_at: dt.datetime | None = None, device_id: str = ""
) -> Application:
    """The applicant had to come in person (counted against the class's visit limit)."""
    if not note.strip():
        raise ServiceError(_("请说明客户到场办理的事项"))
    _check_device_time(device_at)
    with transaction.atomic():
        app = _lock(application)
        _check_open(app)
        _record(app, type=EventType.VISIT, actor=actor, note=note.strip(), device_at=device_at, device_id=device_id)
        _derive(app)
    return app


def application_cancel(*, application: Application, actor: User, note: str) -> Application:
    if not note.strip():
        raise ServiceError(_("取消申请须说明理由"))
    with transaction.atomic():
        app = _lock(application)
        _check_open(app)
        _record(app, type=EventType.CANCELLED, actor=actor, note=note.strip())
        _derive(app)
        _tell_applicant(app, _("申请已取消"), _("您的申请已被取消，理由：%(n)s") % {"n": note.strip()})
    return app


def approval_start(*, application: Application, actor: User | None, note: str = "") -> Application:
    """External line works go to the departments: the approval clock starts."""
    with transaction.atomic():
        app = _lock(application)
        _check_open(app)
        _record(app, type=EventType.APPROVAL_STARTED, actor=actor, note=note)
        _derive(app)
    return app


def approval_complete(*, application: Application, actor: User | None, note: str = "") -> Application:
    with transaction.atomic():
        app = _lock(application)
        _check_open(app)
        if not app.events.filter(type=EventType.APPROVAL_STARTED).exists():
            raise StateConflict(_("没有进行中的外线工程审批"))
        _record(app, type=EventType.APPROVAL_COMPLETED, actor=actor, note=note)
        _derive(app)
    return app


def open_deadlines_refresh() -> int:
    """Re-derive the due dates of every open application, after the calendar gained a year.

    A deadline that ran into a year the calendar did not hold was stored as unknown; once that
    year is loaded it can be computed. Returns how many applications were refreshed.
    """
    refreshed = 0
    for pk in Application.objects.filter(status__in=Status.open_states()).values_list("pk", flat=True):
        with transaction.atomic():
            app = Application.objects.select_for_update().get(pk=pk)
            _derive(app)
            refreshed += 1
    return refreshed
