"""The one way to change an application.

Every change of a live application goes through `record_event`: it takes the application row
under lock, checks the event against the class's steps from policy and the current state, appends
the hash-chained event, re-derives status, clocks and deadlines from the timeline, and queues
notifications on commit. The actions below (`application_submit`, `stage_complete`, ...) are
named for what a person does and each is one call of it. History written after the fact (the §5
import, the demo) goes through `import_histories`, which makes its events with the same
`build_event` and derives the same fields with the same `derived_fields`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, models, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bandian.accounts.models import County, Role, User
from bandian.accounts.phones import normalise_phone, valid_mobile
from bandian.applications import progress
from bandian.applications.clocks import Clocks, TimelineEvent, compute_clocks
from bandian.applications.enums import Channel, EventType, Status
from bandian.applications.models import Application, Document, Event, Sequence
from bandian.applications.timeline import (
    EVENT_COLUMNS,
    GENESIS,
    ContentParts,
    content_parts,
    instant_text,
    parts_hash,
)
from bandian.core.errors import NotYourCounty, ServiceError, StateConflict
from bandian.core.identity import applicant_ref
from bandian.core.time import SHANGHAI
from bandian.core.uploads import ALLOWED_CONTENT, UploadRefused, checked_file, read_upload, safe_name
from bandian.grid.models import Feeder
from bandian.notify.services import notify
from bandian.policy import voltages
from bandian.policy.classes import CustomerClass
from bandian.policy.loader import active_policy
from bandian.policy.schema import Policy, PolicyGap, ZeroInvestmentRule
from bandian.workdays.calendar import CalendarYearMissing
from bandian.workdays.selectors import get_calendar

# The standard voltages (GB/T 156-2017; bandian/policy/voltages.py says where they come from).
LOW_VOLTAGES = set(voltages.LOW_VOLTAGES)
HIGH_VOLTAGES = set(voltages.HIGH_VOLTAGES)
NATIVE_NUMBER = re.compile(r"^QDN-(\d{4})-(\d{6})$")


# Reading the timeline.


def _timeline(app: Application) -> list[TimelineEvent]:
    return [
        TimelineEvent(type=e.type, at=e.occurred_at, stage=e.stage, reason=e.reason)
        # "application" too: a related manager reads each row's application_id (else one query per row).
        for e in app.events.order_by("seq").only("application", "type", "occurred_at", "stage", "reason")
    ]


def compute_app_clocks(
    app: Application,
    events: list[TimelineEvent],
    *,
    now: dt.datetime,
    policy: Policy,
    submitted_at: dt.datetime | None = None,
    measures: bool = True,
) -> Clocks:
    """The clocks of an application from its events (in seq order), with the limit in force on the
    day its clock started (the first submission). `measures=False`: only what is stored."""
    rule = policy.classes[app.customer_class]
    start = app.clock_started_at or app.submitted_at or submitted_at
    limit = policy.limit_for(app.customer_class, (start or now).astimezone(SHANGHAI).date())
    return compute_clocks(
        sorted(events, key=lambda e: e.at),
        cal=get_calendar(),
        steps=rule.steps,
        step_limits=limit.steps,
        limit_clock=rule.clock,
        now=now,
        clock_start=app.clock_started_at,
        measures=measures,
    )


def application_clocks(app: Application, *, now: dt.datetime | None = None, policy: Policy | None = None) -> Clocks:
    return compute_app_clocks(app, _timeline(app), now=now or timezone.now(), policy=policy or active_policy())


# The one write path.


def record_event(
    application: Application,
    type: EventType,
    *,
    actor: User | None,
    at: dt.datetime | None = None,
    stage: str = "",
    reason: str = "",
    note: str = "",
    evidence: UploadedFile | None = None,
    device_at: dt.datetime | None = None,
    device_id: str = "",
    data: dict[str, Any] | None = None,
    notify_people: bool = True,
) -> Event:
    """The one way to change an application: one event, in one transaction.

    It takes the application row under lock, checks the event against the class's steps and
    pause reasons from the policy and against the current state (`StateConflict` for the state),
    appends the hash-chained event, re-derives status, clocks and deadlines from the timeline, and
    queues the notifications (sent after commit; `notify_people=False` for history recorded
    after the fact, as the demo does). `at` is when it happened (default: now); a terminal's
    own time goes in `device_at` instead, which may be back-filled and is flagged so.
    Returns the event; `event.application` is the locked, updated application.
    A submission also records the assignment of both managers (a second event).
    """
    policy = active_policy()
    note = note.strip()
    _check_request(type, policy=policy, reason=reason, note=note, evidence=evidence, device_at=device_at)
    with transaction.atomic():
        app = _lock(application)
        _check_state(app, type, policy=policy, stage=stage)
        when = device_at or at or timezone.now()
        payload = dict(data or {})
        if type == EventType.SUBMITTED:
            payload = _prepare_submission(app, policy, when) | payload
        if "feeder" in payload:
            app.feeder = _plan_feeder(app, type, stage=stage, code=payload["feeder"])
        event = _append(
            app,
            type=type,
            actor=actor,
            stage=stage,
            reason=reason,
            note=note,
            evidence=evidence,
            occurred_at=at,
            device_at=device_at,
            device_id=device_id,
            data=payload,
        )
        if type == EventType.SUBMITTED:
            _append(
                app,
                type=EventType.ASSIGNED,
                actor=None,
                occurred_at=at,
                data={"customer_manager": app.customer_manager_id, "project_manager": app.project_manager_id},
            )
        if type == EventType.WITHDRAWN and app.status == Status.DRAFT:
            app.status = Status.WITHDRAWN
            app.closed_at = event.occurred_at
            app.save()
        else:
            derive(app)
        if notify_people:
            _announce(app, event, policy)
    return event


PLAN_STAGE = "plan"


def _plan_feeder(app: Application, type: EventType, *, stage: str, code: Any) -> Feeder:
    """The feeder an answered supply plan connects the application to: one of its county's
    (issue 13: the capacity it reserves from now until energised or withdrawn)."""
    if type != EventType.STAGE_COMPLETED or stage != PLAN_STAGE:
        raise ServiceError(_("接入馈线只能在答复供电方案时填写"))
    feeder = Feeder.objects.filter(code=str(code)).first() if isinstance(code, str) and code else None
    if feeder is None:
        raise ServiceError(_("没有编号为 %(code)s 的馈线") % {"code": str(code)[:40]})
    if feeder.county_id != app.county_id:
        raise ServiceError(_("馈线 %(code)s 不属于本申请所在的县（市）") % {"code": feeder.code})
    return feeder


def _check_request(
    type: EventType,
    *,
    policy: Policy,
    reason: str,
    note: str,
    evidence: UploadedFile | None,
    device_at: dt.datetime | None,
) -> None:
    """What an event must carry, whatever the application's state."""
    if type == EventType.PAUSED:
        if reason not in policy.pause_reasons:
            raise ServiceError(_("暂停只能因方案规定的客户原因"))
        if not note:
            raise ServiceError(_("暂停须附说明（证据）"))
    if type == EventType.VISIT and not note:
        raise ServiceError(_("请说明客户到场办理的事项"))
    if type == EventType.CANCELLED and not note:
        raise ServiceError(_("取消申请须说明理由"))
    if evidence is not None:
        checked_upload(evidence)
    if device_at is not None and device_at > timezone.now() + dt.timedelta(minutes=5):
        raise ServiceError(_("终端时间晚于服务器时间，请校准终端时钟"))


def _check_state(app: Application, type: EventType, *, policy: Policy, stage: str) -> None:
    """Whether the event may happen to the application as it stands."""
    if type == EventType.CREATED:
        if app.event_count:
            raise StateConflict(_("申请已经创建"))
        return
    if type == EventType.DOCUMENT_UPLOADED:
        if app.status not in (Status.DRAFT, Status.PAUSED):
            raise StateConflict(_("申请已提交，不能再更换资料"))
        return
    if type == EventType.SUBMITTED:
        if app.status != Status.DRAFT:
            raise StateConflict(_("申请已经提交"))
        required = policy.classes[app.customer_class].documents
        have = set(app.documents.values_list("kind", flat=True))
        missing = [policy.documents[d].zh for d in required if d not in have]
        if missing:
            raise ServiceError(_("还缺少资料：%(docs)s") % {"docs": "、".join(missing)})
        return
    if type == EventType.WITHDRAWN:
        if app.status not in (Status.DRAFT, *Status.open_states()):
            raise StateConflict(_("该申请已结束，不能撤回"))
        return
    if type == EventType.ASSIGNED:
        raise ServiceError(_("经理在提交时自动指派"))
    if type == EventType.RATED:
        # The service rating (issue 11) follows the end: it changes no clock and no state.
        if app.status not in Status.closed_states() or app.submitted_at is None:
            raise StateConflict(_("申请办结（接电、撤回或取消）后才能评价"))
        return
    if type in (EventType.PAYMENT_PAID, EventType.PAYMENT_CANCELLED, EventType.PAYMENT_REFUNDED):
        # An order issued while the application was open is paid, cancelled or refunded when that
        # happens: a provider's late callback, a refund after a withdrawal (payments.services
        # checks the order's own state). Never a step: the clocks do not read these.
        if app.status == Status.DRAFT:
            raise StateConflict(_("申请尚未提交"))
        return
    if type in (EventType.CONTRACT_SIGNED, EventType.CONTRACT_SEALED):
        # Supply contracts (applications/contracts): signed and sealed while the application is
        # open, or after energisation (a paper signature recorded late). No clock changes.
        if app.status not in (*Status.open_states(), Status.ENERGISED):
            raise StateConflict(_("该申请没有可签订的供用电合同"))
        return
    # Every other event happens to a submitted application that is still open.
    if app.status == Status.DRAFT:
        raise StateConflict(_("申请尚未提交"))
    if app.status in Status.closed_states():
        raise StateConflict(_("该申请已结束"))
    if type == EventType.STAGE_COMPLETED:
        steps = policy.classes[app.customer_class].steps
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
    elif type == EventType.PAUSED and app.status == Status.PAUSED:
        raise StateConflict(_("申请已处于暂停状态"))
    elif type == EventType.RESUMED and app.status != Status.PAUSED:
        raise StateConflict(_("申请没有暂停"))
    elif type == EventType.APPROVAL_COMPLETED and not app.events.filter(type=EventType.APPROVAL_STARTED).exists():
        raise StateConflict(_("没有进行中的外线工程审批"))


def _prepare_submission(app: Application, policy: Policy, when: dt.datetime) -> dict[str, Any]:
    """Decide the class (三零), link a restart and assign both managers; the submitted event's data."""
    cls, zero, rule_text = decide_eligibility(
        policy,
        customer_class=app.customer_class,
        day=when.astimezone(SHANGHAI).date(),
        county=app.county_id,
        urban=app.urban,
        capacity_kw=float(app.capacity_kw),
    )
    app.customer_class = cls
    app.zero_investment = zero
    app.eligibility_rule = rule_text
    root = find_restart_root(app, policy=policy, at=when)
    if root is not None:
        app.restart_of = root
        app.clock_started_at = root.clock_started_at or root.submitted_at
    _assign_managers(app)
    return {"customer_class": cls, "zero_investment": zero, "rule": rule_text, "restart_of": root.no if root else None}


def _announce(app: Application, event: Event, policy: Policy) -> None:
    """Tell the applicant (and, on submission, both managers) what happened."""
    if event.type == EventType.SUBMITTED:
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
    elif event.type == EventType.STAGE_COMPLETED:
        if app.status == Status.ENERGISED:
            _tell_applicant(app, _("已接电"), _("您的用电已接通，欢迎对本次服务进行评价。"))
        else:
            _tell_applicant(
                app,
                _("环节完成"),
                _("“%(s)s”已完成，下一环节：%(n)s。")
                % {"s": policy.stages[event.stage].zh, "n": policy.stages[app.current_stage].zh},
            )
    elif event.type == EventType.PAUSED:
        _tell_applicant(
            app,
            _("办理暂停"),
            _("因%(r)s暂停计时：%(n)s") % {"r": policy.pause_reasons[event.reason].zh, "n": event.note},
        )
    elif event.type == EventType.RESUMED:
        _tell_applicant(app, _("恢复办理"), _("您的申请已恢复办理，计时继续。"))
    elif event.type == EventType.CANCELLED:
        _tell_applicant(app, _("申请已取消"), _("您的申请已被取消，理由：%(n)s") % {"n": event.note})


def build_event(
    app: Application,
    *,
    type: str,
    actor_id: int | None,
    occurred_at: dt.datetime,
    received_at: dt.datetime,
    stage: str = "",
    reason: str = "",
    note: str = "",
    evidence_name: str = "",
    evidence_sha256: str = "",
    device_at: dt.datetime | None = None,
    device_id: str = "",
    backfilled: bool = False,
    data: dict[str, Any] | None = None,
) -> tuple[Any, ...]:
    """The next event of an application's chain (its row id known), hashed: its stored values in
    `EVENT_COLUMNS` order. Moves the application's head; writes nothing.

    The only place an event's fields and hash are made: `record_event` saves it at once as an
    `Event`, the bulk import (`import_histories`) writes many rows in one statement.
    """
    seq = app.event_count + 1
    payload = data or {}
    parts = content_parts(
        application_no=app.no,
        seq=seq,
        type=type,
        stage=stage,
        reason=reason,
        note=note,
        evidence=evidence_name,
        evidence_sha256=evidence_sha256,
        actor_id=actor_id,
        occurred_at=occurred_at,
        device_at=device_at,
        device_id=device_id,
        backfilled=backfilled,
        data=payload,
    )
    values = (
        app.pk,
        seq,
        type,
        stage,
        reason,
        note,
        evidence_name,
        evidence_sha256,
        actor_id,
        occurred_at,
        received_at,
        device_at,
        device_id,
        backfilled,
        payload,
    )
    return chain_event(app, parts, instant_text(received_at), values)


def chain_event(app: Application, parts: ContentParts, received: str, values: tuple[Any, ...]) -> tuple[Any, ...]:
    """Append an event to an application's chain: its stored values (`EVENT_COLUMNS` but the
    last two) followed by the previous hash and its own, the hash of its content `parts` with
    the application's id, the previous hash and `received` (`timeline.instant_text`). Moves
    the application's head. `build_event` makes the parts and calls it; so does the bulk
    import, with parts its workers made the same way (`prepare_history`)."""
    prev = app.head_hash or GENESIS
    digest = parts_hash(parts, values[0], prev, received)  # values[0]: the application's id
    app.event_count = values[1]
    app.head_hash = digest
    return (*values, prev, digest)


def _append(
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
    received_at: dt.datetime | None = None,
) -> Event:
    """Save the next event of a locked application's chain (no check: the caller checked)."""
    received_at = received_at or timezone.now()
    if device_at is not None and app.submitted_at is not None and device_at < app.submitted_at:
        # A field action cannot have happened before the application existed in the system.
        raise ServiceError(_("终端时间早于申请提交时间，请校准终端时钟"))
    when = device_at or occurred_at or received_at
    # Only a device's own time can be back-filled; skip the query for the rest (imports, demo).
    last = app.events.order_by("-seq").only("received_at").first() if app.event_count and device_at else None
    backfilled = device_at is not None and last is not None and device_at < last.received_at
    evidence_sha = ""
    stored_name = ""
    if evidence is not None:
        content = read_upload(evidence)
        evidence_sha = hashlib.sha256(content).hexdigest()
        holder = Event(application=app)
        holder.evidence.save(safe_name(evidence.name or "evidence"), ContentFile(content), save=False)
        stored_name = holder.evidence.name
    row = build_event(
        app,
        type=str(type),
        actor_id=actor.pk if actor else None,
        occurred_at=when,
        received_at=received_at,
        stage=stage,
        reason=reason,
        note=note,
        evidence_name=stored_name,
        evidence_sha256=evidence_sha,
        device_at=device_at,
        device_id=device_id,
        backfilled=backfilled,
        data=data,
    )
    event = Event(application=app, **dict(zip(EVENT_COLUMNS[1:], row[1:], strict=True)))
    event.save()
    return event


def derived_fields(app: Application, events: list[TimelineEvent], *, now: dt.datetime, policy: Policy) -> None:
    """Set on `app` what its timeline implies: status, stage, submission, close and due dates.

    Pure over the events given (in seq order); both `derive` and the bulk import use it, so an
    imported application's stored state is the same whichever path wrote it.
    """
    submitted = next((e.at for e in events if e.type == EventType.SUBMITTED), None)
    clocks = compute_app_clocks(app, events, now=now, policy=policy, submitted_at=submitted, measures=False)
    app.status = clocks.status
    app.current_stage = clocks.current_stage
    app.submitted_at = clocks.submitted_at
    app.energised_at = clocks.energised_at
    app.closed_at = clocks.energised_at or clocks.closed_at
    app.stage_due_at = clocks.stage_due_at
    app.due_at = clocks.due_at
    refresh_progress_summary(app, events, policy=policy)


def refresh_progress_summary(app: Application, events: list[TimelineEvent], *, policy: Policy) -> None:
    """The public progress query's answer, stored ready beside the state it is built from."""
    app.progress_key, app.progress_answer = progress.summary(
        policy,
        no=app.no,
        completed={e.stage for e in events if e.type == EventType.STAGE_COMPLETED},
        customer_class=app.customer_class,
        county=app.county_id,
        status=app.status,
        stage=app.current_stage,
        submitted_at=app.submitted_at,
        clock_started_at=app.clock_started_at,
        stage_due_at=app.stage_due_at,
        due_at=app.due_at,
        energised_at=app.energised_at,
    )


def derive(app: Application, *, now: dt.datetime | None = None) -> None:
    """Store what the timeline implies on a locked application (and save it)."""
    if app.submitted_at is None and not app.events.filter(type=EventType.SUBMITTED).exists():
        app.save()
        return
    derived_fields(app, _timeline(app), now=now or timezone.now(), policy=active_policy())
    app.save()


def _lock(app: Application) -> Application:
    return Application.objects.select_for_update().get(pk=app.pk)


def checked_upload(upload: UploadedFile) -> tuple[bytes, str]:
    """`core.uploads.checked_file` as this service's refusal."""
    try:
        return checked_file(upload)
    except UploadRefused as exc:
        raise ServiceError(str(exc)) from exc


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
    voltage = policy.classes[customer_class].voltage
    if voltage == "low" and voltage_kv not in LOW_VOLTAGES:
        raise ServiceError(_("低压用户的电压等级应为 0.22、0.38 或 0.4 kV"))
    if voltage == "high" and voltage_kv not in HIGH_VOLTAGES:
        raise ServiceError(_("高压用户的电压等级应为 10 或 20 kV"))
    if customer_class in (CustomerClass.LV_SANLING, CustomerClass.LV_GENERAL) and capacity_kw > Decimal(
        str(policy.low_voltage.max_kw)
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
            applicant_ref=applicant_ref(id_number) or (applicant.applicant_ref if applicant else ""),
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
        event = record_event(app, EventType.CREATED, actor=actor, data={"channel": str(channel)})
    return event.application


def application_enter_at_counter(
    *,
    clerk: User,
    applicant_name: str,
    phone: str,
    county: County,
    id_number: str = "",
    **details: Any,
) -> Application:
    """A draft entered by counter staff for a person who came in (channel counter), on the page
    and through the API alike: only for the clerk's own county, with the person's name and mobile
    number; a registered applicant with that number follows the application online as well."""
    if county.pk != clerk.county_id:
        raise NotYourCounty(_("营业厅只能为本县（市）的用户代办申请"))
    phone = normalise_phone(phone)
    if not applicant_name.strip() or not phone:
        raise ServiceError(_("代办申请须填写申请人姓名和手机号"))
    if not valid_mobile(phone):
        raise ServiceError(_("请输入 11 位手机号码"))
    person = User.objects.filter(username=phone, role=Role.APPLICANT, is_active=True).first()
    return application_create(
        actor=clerk,
        applicant=person,
        applicant_name=applicant_name.strip(),
        phone=phone,
        id_number=id_number,
        county=county,
        channel=Channel.COUNTER,
        **details,
    )


def document_upload(*, application: Application, kind: str, upload: UploadedFile, actor: User) -> Document:
    """Store one of the documents the policy names for the class, checked by content."""
    policy = active_policy()
    allowed = policy.classes[application.customer_class].documents
    if kind not in allowed:
        raise ServiceError(_("本类别只需提交：%(docs)s") % {"docs": "、".join(policy.documents[d].zh for d in allowed)})
    content, mime = checked_upload(upload)
    with transaction.atomic():
        app = _lock(application)
        _check_state(app, EventType.DOCUMENT_UPLOADED, policy=policy, stage="")
        digest = hashlib.sha256(content).hexdigest()
        Document.objects.filter(application=app, kind=kind).delete()
        doc = Document(
            application=app,
            kind=kind,
            content_type=mime,
            size=len(content),
            sha256=digest,
            original_name=safe_name(upload.name or kind),
        )
        doc.file.save(f"{app.no}-{kind}.{ALLOWED_CONTENT[mime]}", ContentFile(content), save=False)
        doc.save()
        record_event(app, EventType.DOCUMENT_UPLOADED, actor=actor, data={"kind": kind, "sha256": digest})
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


def class_check(
    policy: Policy, *, customer_class: str, day: dt.date, county: str, urban: bool, capacity_kw: float
) -> str | None:
    """ "expected lv_sanling" or "expected lv_general" when a low-voltage non-residential
    application's class contradicts what the policy's zero-investment rules decide for it on the
    day it was submitted (a qualifying small business classed lv_general is taken out of the 三零
    promise); None when consistent, and for every other class."""
    expected, _zero, _rule = decide_eligibility(
        policy, customer_class=customer_class, day=day, county=county, urban=urban, capacity_kw=capacity_kw
    )
    return None if expected == customer_class else f"expected {expected}"


def find_restart_root(
    app: Application,
    *,
    policy: Policy,
    at: dt.datetime,
    also: Iterable[Application] = (),
    known: Iterable[Application] | None = None,
) -> Application | None:
    """The first application a submission at `at` restarts (requirements §4), or None.

    A restart: the same person (the same identity number, or the same applicant account) at the
    same address (compared after normalising), whose earlier application was submitted and then
    withdrawn or cancelled at most `restart_window_days` ago. A restart of a restart links to the
    first application, so its clocks run from the first submission. `also` are applications
    not yet written (a bulk import's batch, their state derived) to consider beside the database's.
    `known`, for an application without an applicant account: the database's withdrawn and
    cancelled applications with its `applicant_ref`, already read (a bulk import reads them for
    a whole batch at once), used instead of the query; they are filtered as the query filters.
    """
    same_person = Q()
    if app.applicant_ref:
        same_person |= Q(applicant_ref=app.applicant_ref)
    if app.applicant_id is not None:
        same_person |= Q(applicant_id=app.applicant_id)
    if not same_person:
        return None
    window = dt.timedelta(days=policy.counting.restart_window_days)
    if known is not None and app.applicant_id is None:
        candidates = sorted(
            (
                other
                for other in known
                if other.applicant_ref == app.applicant_ref
                and other.status in (Status.WITHDRAWN, Status.CANCELLED)
                and other.submitted_at is not None
                and other.closed_at is not None
                and at - window <= other.closed_at <= at
                and (app.pk is None or other.pk != app.pk)
            ),
            key=lambda c: c.closed_at,  # type: ignore[arg-type, return-value]
            reverse=True,
        )
    else:
        candidates = _restart_candidates(same_person, app, at - window, at)
    extra = [
        other
        for other in also
        if other is not app
        and (
            (app.applicant_ref and other.applicant_ref == app.applicant_ref)
            or (app.applicant_id is not None and other.applicant_id == app.applicant_id)
        )
        and other.status in (Status.WITHDRAWN, Status.CANCELLED)
        and other.submitted_at is not None
        and other.closed_at is not None
        and at - window <= other.closed_at <= at
    ]
    if extra:
        candidates = sorted(candidates + extra, key=lambda c: c.closed_at, reverse=True)  # type: ignore[arg-type, return-value]
    address = _normalise_address(app.address)
    for candidate in candidates:
        if _normalise_address(candidate.address) == address:
            return candidate.restart_of or candidate
    return None


def _restart_candidates(same_person: Q, app: Application, since: dt.datetime, until: dt.datetime) -> list[Application]:
    return list(
        Application.objects.filter(
            same_person,
            status__in=[Status.WITHDRAWN, Status.CANCELLED],
            submitted_at__isnull=False,  # a draft withdrawn unsubmitted never started a clock
            closed_at__gte=since,
            closed_at__lte=until,
        )
        .exclude(pk=app.pk)
        .select_related("restart_of")
        .order_by("-closed_at")
    )


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


def application_submit(*, application: Application, actor: User, at: dt.datetime | None = None) -> Application:
    return record_event(application, EventType.SUBMITTED, actor=actor, at=at).application


def application_withdraw(
    *, application: Application, actor: User, note: str = "", at: dt.datetime | None = None
) -> Application:
    return record_event(application, EventType.WITHDRAWN, actor=actor, note=note, at=at).application


# Staff actions. Field actions may carry the terminal's own time and id.


def stage_complete(
    *,
    application: Application,
    stage: str,
    actor: User,
    note: str = "",
    device_at: dt.datetime | None = None,
    device_id: str = "",
    feeder: str = "",
    at: dt.datetime | None = None,
) -> Application:
    """Complete a step. On the `plan` step, `feeder` (a feeder's code, of the application's
    county) names the feeder the supply plan connects it to: recorded in the event's data and
    stored as `Application.feeder`."""
    return record_event(
        application,
        EventType.STAGE_COMPLETED,
        actor=actor,
        stage=stage,
        note=note,
        device_at=device_at,
        device_id=device_id,
        data={"feeder": feeder} if feeder else None,
        at=at,
    ).application


def application_pause(
    *,
    application: Application,
    reason: str,
    note: str,
    actor: User,
    evidence: UploadedFile | None = None,
    device_at: dt.datetime | None = None,
    device_id: str = "",
    at: dt.datetime | None = None,
) -> Application:
    return record_event(
        application,
        EventType.PAUSED,
        actor=actor,
        reason=reason,
        note=note,
        evidence=evidence,
        device_at=device_at,
        device_id=device_id,
        at=at,
    ).application


def application_resume(
    *,
    application: Application,
    actor: User,
    note: str = "",
    device_at: dt.datetime | None = None,
    device_id: str = "",
    at: dt.datetime | None = None,
) -> Application:
    return record_event(
        application, EventType.RESUMED, actor=actor, note=note, device_at=device_at, device_id=device_id, at=at
    ).application


def visit_record(
    *,
    application: Application,
    actor: User,
    note: str,
    device_at: dt.datetime | None = None,
    device_id: str = "",
    at: dt.datetime | None = None,
) -> Application:
    """The applicant had to come in person (counted against the class's visit limit)."""
    return record_event(
        application, EventType.VISIT, actor=actor, note=note, device_at=device_at, device_id=device_id, at=at
    ).application


def application_cancel(
    *, application: Application, actor: User, note: str, at: dt.datetime | None = None
) -> Application:
    return record_event(application, EventType.CANCELLED, actor=actor, note=note, at=at).application


def approval_start(
    *, application: Application, actor: User | None, note: str = "", at: dt.datetime | None = None
) -> Application:
    """External line works go to the departments: the approval clock starts."""
    return record_event(application, EventType.APPROVAL_STARTED, actor=actor, note=note, at=at).application


def approval_complete(
    *, application: Application, actor: User | None, note: str = "", at: dt.datetime | None = None
) -> Application:
    return record_event(application, EventType.APPROVAL_COMPLETED, actor=actor, note=note, at=at).application


def open_deadlines_refresh() -> int:
    """Re-derive the due dates of every open application, after the calendar gained a year.

    A deadline that ran into a year the calendar did not hold was stored as unknown; once that
    year is loaded it can be computed. Returns how many applications were refreshed.
    """
    refreshed = 0
    for pk in Application.objects.filter(status__in=Status.open_states()).values_list("pk", flat=True):
        with transaction.atomic():
            app = Application.objects.select_for_update().get(pk=pk)
            derive(app)
            refreshed += 1
    return refreshed


# History written after the fact: the §5 import and the demo.


@dataclass(slots=True)
class HistoryEvent:
    """One event of a timeline that happened before it reached bandian (checked by the caller)."""

    type: str
    at: dt.datetime
    stage: str = ""
    reason: str = ""
    note: str = ""
    actor: User | None = None
    data: dict[str, Any] = field(default_factory=dict)
    prepared: PreparedEvent | None = None  # by prepare_history


@dataclass
class History:
    """A new application (unsaved, its own fields set, the derived ones left to the timeline) and
    its whole timeline in order, already checked against the process (the importer does that)."""

    application: Application
    events: list[HistoryEvent]
    derived: bool = False


def derive_history(history: History, *, now: dt.datetime | None = None, policy: Policy | None = None) -> None:
    """Set the derived fields of a history's application from its timeline (`derived_fields`),
    before anything is written. Raises CalendarYearMissing or PolicyGap."""
    timeline = [TimelineEvent(type=e.type, at=e.at, stage=e.stage, reason=e.reason) for e in history.events]
    derived_fields(history.application, timeline, now=now or timezone.now(), policy=policy or active_policy())
    history.derived = True


def _actor_for(
    ev: HistoryEvent, *, applicant: User | None, customer_manager: User | None, project_manager: User | None
) -> User | None:
    if ev.type in (EventType.SUBMITTED, EventType.WITHDRAWN):
        return applicant
    if ev.type == EventType.STAGE_COMPLETED and ev.stage == "connect":
        return project_manager or customer_manager
    if ev.type in (EventType.APPROVAL_STARTED, EventType.APPROVAL_COMPLETED):
        return None
    return customer_manager


def history_attribute(
    history: History,
    *,
    channel: str,
    applicant: User | None = None,
    customer_manager: User | None = None,
    project_manager: User | None = None,
    entered_by: User | None = None,
    extended_boundary_reason: str = "",
) -> History:
    """A planned history (say, `importer.plan_record`'s) as one kept in bandian from the start,
    for the demo's applications: not imported, through `channel` (online or at the counter,
    `entered_by` the clerk), the applicant's login and name, its managers assigned at submission
    (an `assigned` event right after it), and each event by the person who did it — submission and
    withdrawal by the applicant, connection by the project manager, the approval interval by the
    departments (no actor), the rest by the customer manager. A high-voltage application whose
    grid investment reaches further says why (`extended_boundary_reason`). Changes the history
    (nothing is written; `import_histories` writes it) and returns it."""
    if channel not in (Channel.ONLINE, Channel.COUNTER):
        raise ValueError(f"channel: {channel!r} is neither online nor counter")
    if not history.events or history.events[0].type != EventType.SUBMITTED:
        raise ValueError("a history begins with its submission")
    app = history.application
    app.imported = False
    app.channel = channel
    if applicant is not None:
        app.applicant_id = applicant.pk
        app.applicant_name = app.applicant_name or applicant.display_name
        app.phone = app.phone or applicant.phone
    app.customer_manager_id = customer_manager.pk if customer_manager else None
    app.project_manager_id = project_manager.pk if project_manager else None
    if entered_by is not None:
        app.entered_by = entered_by
    if extended_boundary_reason:
        app.extended_boundary = True
        app.extended_boundary_reason = extended_boundary_reason
    people = {"applicant": applicant, "customer_manager": customer_manager, "project_manager": project_manager}
    events = [ev for ev in history.events if ev.type != EventType.ASSIGNED]
    for ev in events:
        ev.actor = _actor_for(ev, **people)
    submitted = events[0]
    submitted.data = {**submitted.data, "channel": str(channel), "imported": False}
    if customer_manager or project_manager:
        assigned = HistoryEvent(
            type=EventType.ASSIGNED,
            at=submitted.at,
            data={"customer_manager": app.customer_manager_id, "project_manager": app.project_manager_id},
        )
        events.insert(1, assigned)
    history.events = events
    history.derived = False  # derived again from the timeline as it is now
    return history


def reserve_numbers(numbers: Iterable[str]) -> None:
    """Keep native numbering clear of imported QDN-YYYY-NNNNNN numbers."""
    highest: dict[int, int] = {}
    for no in numbers:
        match = NATIVE_NUMBER.match(no)
        if match is not None:
            year, n = int(match[1]), int(match[2])
            highest[year] = max(n, highest.get(year, 0))
    for year, n in sorted(highest.items()):
        Sequence.objects.get_or_create(year=year)
        Sequence.objects.filter(year=year, last__lt=n).update(last=n)


def import_history(history: History, *, at: dt.datetime | None = None) -> Application:
    """Create one application with its timeline, one event at a time (the reference path).

    Each event is made by `build_event` and saved, then the state is derived from the stored
    timeline as `record_event` does. `at` is the receipt time of every event (default: now).
    Nobody is notified: the history happened elsewhere.
    """
    received = at or timezone.now()
    app = history.application
    with transaction.atomic():
        app.save()
        reserve_numbers([app.no])
        for ev in history.events:
            _append(
                app,
                type=EventType(ev.type),
                actor=ev.actor,
                stage=ev.stage,
                reason=ev.reason,
                note=ev.note,
                occurred_at=ev.at,
                data=ev.data,
                received_at=received,
            )
        derive(app)
    return app


# An event of a history made ready to be chained: (seq, its content parts, its occurred_at and
# its data as the database stores them).
PreparedEvent = tuple[int, ContentParts, Any, str]


def prepare_event(app: Application, ev: HistoryEvent, seq: int, *, instant: Any = None) -> PreparedEvent:
    """What `build_event` makes of an event of a history before its application has an id: the
    content parts (`timeline.content_parts`, with no evidence, device or back-filling, as
    `import_history` records it) and the stored occurred_at and data (`instant`: the database's
    conversion of an instant, `_stored_instant()`, asked once by a caller preparing many)."""
    parts = content_parts(
        application_no=app.no,
        seq=seq,
        type=ev.type,
        stage=ev.stage,
        reason=ev.reason,
        note=ev.note,
        evidence="",
        evidence_sha256="",
        actor_id=ev.actor.pk if ev.actor else None,
        occurred_at=ev.at,
        device_at=None,
        device_id="",
        backfilled=False,
        data=ev.data,
    )
    return (seq, parts, (instant or _stored_instant())(ev.at), _json_text(ev.data))


def prepare_history(history: History) -> None:
    """Prepare every event of a new application's history (`prepare_event`), for instance in a
    worker process: `import_histories` then only chains them, once the ids are known."""
    app = history.application
    instant = _stored_instant()
    for i, ev in enumerate(history.events, start=app.event_count + 1):
        ev.prepared = prepare_event(app, ev, i, instant=instant)


class HistoryRefused(ServiceError):
    """One history of a batch cannot be derived (say, its timeline needs a calendar year that is
    not loaded); nothing of the batch was written. `index` is its position in the batch."""

    def __init__(self, index: int, cause: Exception) -> None:
        super().__init__(str(cause))
        self.index = index
        self.cause = cause


def import_histories(histories: list[History], *, at: dt.datetime | None = None) -> list[Application]:
    """Create many applications with their timelines at once, in one transaction.

    The same as `import_history` for each, row for row and hash for hash (a test compares them):
    the stored state is derived by `derived_fields` from the same timeline, the events are made
    by `build_event`; only the writing differs — the applications in one bulk insert, the events
    in bulk (COPY on PostgreSQL), the chain heads in one batched update. Everything is derived
    before anything is written: a history that cannot be derived raises HistoryRefused naming
    its index, and nothing of the batch is kept. `at` is the receipt time of every event.
    """
    if not histories:
        return []
    received = at or timezone.now()
    policy = active_policy()
    for index, history in enumerate(histories):
        if history.derived:
            continue
        try:
            derive_history(history, now=received, policy=policy)
        except (CalendarYearMissing, PolicyGap) as exc:
            raise HistoryRefused(index, exc) from exc
    apps = [h.application for h in histories]
    with transaction.atomic():
        reserve_numbers(app.no for app in apps)  # a write first: on SQLite it takes the write lock
        for app, pk in zip(apps, _new_ids(Application, len(apps)), strict=True):
            app.pk = pk
        for app in apps:
            root = app.restart_of if app.restart_of_id is None else None
            if root is not None:  # a restart of an application of this batch: its id is known now
                app.restart_of = root
        received_text = instant_text(received)
        stored_instant = _stored_instant()
        received_stored = stored_instant(received)
        rows: list[tuple[Any, ...]] = []
        for history in histories:
            app = history.application
            for ev in history.events:
                seq = app.event_count + 1
                prepared = ev.prepared
                if prepared is None or prepared[0] != seq:
                    prepared = prepare_event(app, ev, seq, instant=stored_instant)
                _seq, parts, occurred, data = prepared
                actor_id = ev.actor.pk if ev.actor else None
                values: tuple[Any, ...] = (app.pk, seq, ev.type, ev.stage, ev.reason, ev.note, "", "", actor_id)
                values += (occurred, received_stored, None, "", False, data)
                rows.append(chain_event(app, parts, received_text, values))
        _insert_applications(apps, received)
        _insert_rows(Event, EVENT_COLUMNS, rows, stored=True)
    for app in apps:
        app._state.adding = False
        app._state.db = connection.alias
    return apps


def _new_ids(model: type[models.Model], n: int) -> list[int]:
    """Row ids for n new rows of `model` that no other writer can take (inside the transaction:
    on SQLite the write lock is held; on PostgreSQL the sequence hands them out)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n])
            return [r[0] for r in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 (name from the model)
        (highest,) = cursor.fetchone()
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        found = cursor.fetchone()
        start = max(highest, found[0] if found else 0) + 1
        return list(range(start, start + n))


def _insert_applications(apps: list[Application], now: dt.datetime) -> None:
    fields = list(Application._meta.concrete_fields)
    for app in apps:
        app.created_at = app.updated_at = timezone.now()
    _insert_rows(
        Application,
        tuple(f.column for f in fields),
        [tuple(getattr(app, f.attname) for f in fields) for app in apps],
    )


def _stored_instant() -> Any:
    """How an aware instant is handed to the database: SQLite's text, or as it is to psycopg."""
    return _sqlite_instant if connection.vendor != "postgresql" else _as_is


def _as_is(value: Any) -> Any:
    return value


def _insert_rows(
    model: type[models.Model], columns: tuple[str, ...], rows: list[tuple[Any, ...]], *, stored: bool = False
) -> None:
    """Write rows of Python values as the ORM stores them: COPY on PostgreSQL, one executemany
    on SQLite. Each column's value is converted the way its field converts it (`stored`: the
    rows hold converted values already, as `prepare_event` makes them)."""
    table = model._meta.db_table
    by_column = {f.column: f for f in model._meta.concrete_fields}
    ops = connection.ops
    postgres = connection.vendor == "postgresql"
    convert: list[Any] = []
    for column in columns:
        field = by_column[column]
        kind = field.get_internal_type()
        if kind == "JSONField":
            convert.append(_json_text)
        elif kind == "DateTimeField" and not postgres:
            convert.append(_sqlite_instant)
        elif kind == "DecimalField" and not postgres:
            convert.append(lambda v, f=field: ops.adapt_decimalfield_value(v, f.max_digits, f.decimal_places))
        elif kind == "FileField":
            convert.append(lambda v: getattr(v, "name", v) or "")
        else:
            convert.append(None)
    converting = [(i, c) for i, c in enumerate(convert) if c is not None and not stored]

    def as_stored(row: tuple[Any, ...]) -> Any:
        if not converting:
            return row
        values = list(row)
        for i, c in converting:
            values[i] = c(values[i])
        return values

    names = ", ".join(columns)
    with connection.cursor() as cursor:
        if postgres:
            # The driver's own cursor, its errors turned into Django's (IntegrityError, ...).
            with connection.wrap_database_errors, cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(as_stored(row))
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({marks})",  # noqa: S608 (names from the model)
                [as_stored(r) for r in rows],
            )


_json_encode = json.JSONEncoder(separators=(", ", ": ")).encode


def _json_text(value: Any) -> str:
    """A JSONField's stored text; most events' data is empty, which needs no encoder."""
    return "{}" if type(value) is dict and not value else _json_encode(value)


def _sqlite_instant(value: dt.datetime | None) -> str | None:
    """An aware instant as Django stores it in SQLite: naive UTC text (`adapt_datetimefield_value`)."""
    if value is None:
        return None
    if value.tzinfo is not dt.UTC:
        value = value.astimezone(dt.UTC)
    return value.isoformat(" ")[:-6]  # str() of the naive instant, without building it: no "+00:00"
