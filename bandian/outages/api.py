"""/api/v1/outages: the dispatch systems' API (bearer tokens, as for terminals; county-scoped).

- `POST /planned`: announce a planned outage → 201 with its `reference` and the number of
  customers notified, or 400 naming the rule it breaks (the notice period, the times, ...).
- `POST /{reference}/progress`: a step of repair progress of an outage that is under way.
- `GET /{reference}/notices`: every message of the outage's notices with its delivery record.

Times without an offset are read as Asia/Shanghai.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status as Reply
from pydantic import Field

from bandian.accounts.auth import api_auth
from bandian.accounts.models import User
from bandian.core import limits
from bandian.core.errors import StateConflict
from bandian.core.schemas import ERRORS, READ_ERRORS
from bandian.core.time import SHANGHAI
from bandian.grid.models import Feeder, Transformer
from bandian.outages import faults, notices, planned, rules, selectors
from bandian.outages.enums import RECORDED_STAGES, PlanStatus
from bandian.outages.services import OutageError

router = Router(auth=api_auth)


class PlannedIn(Schema):
    feeder: str = Field(min_length=1, max_length=limits.CODE_MAX, description="the feeder's code")
    transformers: list[str] | None = Field(
        default=None, max_length=500, description="codes of the feeder's transformers; none: the whole feeder"
    )
    start: dt.datetime
    end: dt.datetime = Field(description="the expected end")
    works: str = Field(min_length=1, max_length=limits.NOTE_MAX, description="the works, in words")
    temporary: bool = Field(default=False, description="temporary maintenance (临时检修): 24 hours' notice")


class PlannedOut(Schema):
    reference: str
    customers_notified: int


class OutageProgressIn(Schema):
    stage: str = Field(description="one of: " + ", ".join(str(s) for s in RECORDED_STAGES))
    estimated_restoration: dt.datetime | None = None
    note: str = Field(default="", max_length=limits.SHORT_MAX)


class OutageProgressOut(Schema):
    reference: str
    stage: str
    at: dt.datetime
    estimated_restoration: dt.datetime | None
    users_still_out: int
    closed: bool


class NoticeMessageOut(Schema):
    customer: str
    channel: str
    status: str
    attempts: int
    sent_at: dt.datetime | None
    delivered_at: dt.datetime | None


class NoticesOut(Schema):
    reference: str
    messages: list[NoticeMessageOut]


def _user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or timezone.is_aware(value):
        return value
    return value.replace(tzinfo=SHANGHAI)


def _local(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(SHANGHAI) if value is not None else None


@router.post("/planned", response={201: PlannedOut, **ERRORS}, summary="Announce a planned outage")
def planned_create(request: HttpRequest, payload: PlannedIn) -> Reply[dict[str, Any]]:
    """A planned outage on a feeder or some of its transformers, announced at once to every
    affected customer; refused (400) when it comes later than the policy's notice period."""
    user = _user(request)
    if not rules.can_record_outages(user):
        raise PermissionDenied(_("只有运检人员可以安排计划停电"))
    feeder = Feeder.objects.filter(code=payload.feeder).first()
    if feeder is None:
        raise OutageError(_("没有这个线路编号：%(code)s") % {"code": payload.feeder})
    if not rules.can_plan_in(user, feeder.county_id):
        raise PermissionDenied(_("您不能安排其他县市线路的停电"))
    codes = list(dict.fromkeys(payload.transformers or []))
    found = {t.code: t for t in Transformer.objects.filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise OutageError(_("没有这些配变编号：%(codes)s") % {"codes": ", ".join(missing)})
    plan, notified = planned.planned_create(
        feeder=feeder, transformers=[found[c] for c in codes], start=_aware(payload.start),  # type: ignore[arg-type]
        end=_aware(payload.end), works=payload.works, temporary=payload.temporary, actor=user,  # type: ignore[arg-type]
    )  # fmt: skip
    return Reply(201, {"reference": plan.reference, "customers_notified": notified})


def _outage(user: User, reference: str) -> tuple[str, Any]:
    """The plan or event of this reference (its county), 404 when there is none."""
    if not reference or len(reference) > 40 or any(ord(c) < 32 or ord(c) == 127 for c in reference):
        raise Http404(_("没有这个停电编号"))
    plan = selectors.plan_by_reference(reference)
    event = selectors.event_by_reference(reference)
    if plan is None and event is None:
        raise Http404(_("没有这个停电编号"))
    county_id = (event or plan).county_id  # type: ignore[union-attr]
    return county_id, (plan, event)


@router.post("/{reference}/progress", response={200: OutageProgressOut, **ERRORS}, summary="Record repair progress")
def progress(request: HttpRequest, reference: str, payload: OutageProgressIn) -> dict[str, Any]:
    """A step of repair progress of an outage under way (a fault, or a planned outage that has
    begun); the customers still out are told. `partly_restored` here tells the step without
    restoring anyone (the users are chosen on the outage's page); `restored` restores everyone."""
    user = _user(request)
    county_id, (plan, event) = _outage(user, reference)
    if not rules.can_plan_in(user, county_id):
        raise PermissionDenied(_("只有本县市的运检人员可以记录抢修进度"))
    if event is None:
        status = plan.get_status_display() if plan.status != PlanStatus.ANNOUNCED else _("尚未开始")
        raise StateConflict(_("计划停电 %(ref)s %(status)s，没有进行中的停电。") % {"ref": reference, "status": status})
    step = faults.progress_add(
        event=event, stage=payload.stage, estimated_restoration=_aware(payload.estimated_restoration),
        note=payload.note, actor=user,
    )  # fmt: skip
    event.refresh_from_db()
    return {
        "reference": event.reference, "stage": step.stage, "at": _local(step.at),
        "estimated_restoration": _local(faults.estimated_restoration(event)),
        "users_still_out": len(faults.still_out(event)), "closed": event.closed_at is not None,
    }  # fmt: skip


@router.get(
    "/{reference}/notices", response={200: NoticesOut, **READ_ERRORS}, summary="The messages of an outage's notices"
)
def notice_messages(request: HttpRequest, reference: str) -> dict[str, Any]:
    """Each message of the outage's notices: customer, channel, status, attempts, sent and
    delivered times. The county's grid operators, supervisors and admins."""
    user = _user(request)
    county_id, _found = _outage(user, reference)
    if not rules.can_see_notices(user, county_id):
        raise PermissionDenied(_("您不能查看这次停电的通知记录"))
    rows = notices.messages_of(reference).values("customer", "channel", "status", "attempts", "sent_at", "delivered_at")
    return {
        "reference": reference,
        "messages": [{**r, "sent_at": _local(r["sent_at"]), "delivered_at": _local(r["delivered_at"])} for r in rows],
    }
