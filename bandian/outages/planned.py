"""Planned outages (计划停电): announced to every affected customer in time, changed and
cancelled with a new notice each time, and taking place as an outage event.

The notice period is the policy's (`[outage_notices]`: 7 days; temporary maintenance, 24 hours).
A plan entered later than that is refused (an emergency is entered as a fault). A change made
inside the notice period of the announced start is allowed but marked as such (on the notice,
and counted on the plan); bringing the start forward must itself respect the notice period.
`start_announced_at` is when the customers learnt the current start: the notice lead time.

Each public function is keyword-only and takes the actor and the time of the change (`at=`,
default now); each locks, checks, records the change (bandian.grid.history) and queues the
notice (bandian.outages.notices) in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bandian.accounts.models import User
from bandian.core import limits
from bandian.core.errors import StateConflict
from bandian.core.time import SHANGHAI
from bandian.grid import history
from bandian.grid.enums import ChangeAction
from bandian.grid.models import Feeder, Transformer
from bandian.outages import notices, services
from bandian.outages.enums import EventScope, NoticeKind, OutageCause, OutageKind, PlanStatus
from bandian.outages.models import Interruption, OutageEvent, PlannedOutage
from bandian.outages.services import OutageError
from bandian.policy.loader import active_policy

TEXT_MAX = 200


def notice_period(temporary: bool) -> dt.timedelta:
    """How long before its start a planned outage must be announced (the policy's numbers)."""
    rule = active_policy().outage_notices
    return dt.timedelta(hours=rule.temporary_hours) if temporary else dt.timedelta(days=rule.planned_days)


def notice_rule_text(temporary: bool) -> str:
    rule = active_policy().outage_notices
    if temporary:
        return _("临时检修须至少提前 %(n)d 小时通知") % {"n": rule.temporary_hours}
    return _("计划停电须至少提前 %(n)d 天通知") % {"n": rule.planned_days}


def _local(at: dt.datetime) -> str:
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _span(delta: dt.timedelta) -> str:
    hours = max(0, int(delta.total_seconds() // 3600))
    days, hours = divmod(hours, 24)
    return _("%(d)d 天 %(h)d 小时") % {"d": days, "h": hours} if days else _("%(h)d 小时") % {"h": hours}


def _check_times(start: dt.datetime, end: dt.datetime) -> None:
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise OutageError(_("停电时间须带时区。"))
    if not (limits.date_in_range(start) and limits.date_in_range(end)):
        raise OutageError(limits.date_range_message())
    if end <= start:
        raise OutageError(_("预计结束时间须晚于停电开始时间。"))
    if end - start > dt.timedelta(days=7):
        raise OutageError(_("一次计划停电不能超过 7 天。"))


def _check_notice(start: dt.datetime, *, temporary: bool, at: dt.datetime) -> None:
    lead = start - at
    if lead < notice_period(temporary):
        raise OutageError(
            _("%(rule)s：开始时间 %(start)s 距现在只有 %(lead)s。紧急情况请按故障停电录入。")
            % {"rule": notice_rule_text(temporary), "start": _local(start), "lead": _span(lead)}
        )


def _text(value: str, label: str, *, max_length: int = TEXT_MAX) -> str:
    value = value.strip()
    if not value:
        raise OutageError(_("请填写%(what)s。") % {"what": label})
    if len(value) > max_length:
        raise OutageError(_("%(what)s不能超过 %(n)d 个字。") % {"what": label, "n": max_length})
    return value


def _next_reference(start: dt.datetime) -> str:
    """JH-<year>-<n>, unique over plans, entered events and imported rows."""
    prefix = f"JH-{start.astimezone(SHANGHAI).year}-"
    count = PlannedOutage.objects.filter(reference__startswith=prefix).count()
    while True:
        count += 1
        reference = f"{prefix}{count:05d}"
        taken = (
            PlannedOutage.objects.filter(reference=reference).exists()
            or OutageEvent.objects.filter(reference=reference).exists()
            or Interruption.objects.filter(event_id=reference).exists()
        )
        if not taken:
            return reference


def _body(plan: PlannedOutage) -> str:
    what = _("临时检修停电") if plan.temporary else _("计划停电")
    return _("%(what)s：因%(works)s，%(area)s 将于 %(start)s 至 %(end)s 停电，请提前做好准备。") % {
        "what": what, "works": plan.works, "area": plan.area, "start": _local(plan.start), "end": _local(plan.end),
    }  # fmt: skip


def default_area(feeder: Feeder, transformers: list[Transformer]) -> str:
    if not transformers:
        return _("%(feeder)s 全线供电范围") % {"feeder": feeder.name}
    names = "、".join(t.name for t in transformers)
    return (_("%(feeder)s %(names)s 供电范围") % {"feeder": feeder.name, "names": names})[:TEXT_MAX]


def plan_customers(plan: PlannedOutage) -> list[notices.Customer]:
    """The customers a plan concerns: those behind the MV users in service at its start."""
    users = services.users_in_service(feeder=plan.feeder, transformers=plan.transformers.all(), at=plan.start)
    return notices.customers_of(users)


@transaction.atomic
def planned_create(
    *,
    feeder: Feeder,
    transformers: Iterable[Transformer] = (),
    start: dt.datetime,
    end: dt.datetime,
    works: str,
    area: str = "",
    temporary: bool = False,
    actor: User | None,
    at: dt.datetime | None = None,
) -> tuple[PlannedOutage, int]:
    """Announce a planned outage on a feeder or some of its transformers; returns the plan and the
    number of customers notified. Refused when it comes later than the notice period allows.
    Without `area` (the dispatch API gives none) the area is named by the feeder and transformers."""
    at = at or timezone.now()
    chosen = list(dict.fromkeys(transformers))
    stray = [t.code for t in chosen if t.feeder_id != feeder.pk]
    if stray:
        raise OutageError(
            _("不在线路 %(feeder)s 上的配变：%(codes)s") % {"feeder": feeder.code, "codes": ", ".join(stray)}
        )
    works = _text(works, _("停电工作内容"), max_length=limits.NOTE_MAX)
    area = _text(area or default_area(feeder, chosen), _("停电范围"))
    _check_times(start, end)
    _check_notice(start, temporary=temporary, at=at)
    affected = services.users_in_service(feeder=feeder, transformers=chosen, at=start)
    if not affected:
        raise OutageError(_("停电开始时，所选范围内没有在运的中压用户。"))
    fields = {
        "scope": EventScope.TRANSFORMERS if chosen else EventScope.FEEDER, "feeder": feeder,
        "county_id": feeder.county_id, "start": start, "end": end, "works": works, "area": area,
        "temporary": temporary, "announced_at": at, "start_announced_at": at, "entered_by": actor,
    }  # fmt: skip
    plan = _create_numbered(fields)
    if chosen:
        plan.transformers.set(chosen)
    changes = [*history.diff(None, history.snapshot(plan)), ("transformers", None, history.shown(chosen) or None)]
    history.record(plan, action=ChangeAction.CREATE, actor=actor, at=at, changes=[c for c in changes if c[2]])
    customers = notices.customers_of(affected)
    notices.send(
        reference=plan.reference, county_id=plan.county_id, kind=NoticeKind.PLANNED, subject=_("停电通知"),
        body=_body(plan), customers=customers, at=at, actor=actor,
    )  # fmt: skip
    return plan, len(customers)


def _create_numbered(fields: dict) -> PlannedOutage:
    for attempt in range(5):
        try:
            with transaction.atomic():
                return PlannedOutage.objects.create(reference=_next_reference(fields["start"]), **fields)
        except IntegrityError:
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


def _lock(plan: PlannedOutage) -> PlannedOutage:
    locked = PlannedOutage.objects.select_for_update().get(pk=plan.pk)
    if locked.status != PlanStatus.ANNOUNCED:
        raise StateConflict(
            _("计划停电 %(ref)s %(status)s，不能再变更。")
            % {"ref": locked.reference, "status": locked.get_status_display()}
        )
    return locked


def inside_notice_period(plan: PlannedOutage, at: dt.datetime) -> bool:
    """Whether a change made at `at` falls inside the notice period of the announced start."""
    return plan.start - at < notice_period(plan.temporary)


def _what_changed(plan: PlannedOutage, start: dt.datetime, end: dt.datetime) -> str:
    if start > plan.start:
        return _("推迟")
    if start < plan.start:
        return _("提前")
    return _("缩短") if end < plan.end else _("延长")


@transaction.atomic
def planned_change(
    *,
    plan: PlannedOutage,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    reason: str,
    actor: User | None,
    at: dt.datetime | None = None,
) -> PlannedOutage:
    """Postpone, bring forward, shorten or extend a planned outage and tell everyone again."""
    at = at or timezone.now()
    plan = _lock(plan)
    reason = _text(reason, _("变更原因"))
    new_start, new_end = start or plan.start, end or plan.end
    _check_times(new_start, new_end)
    if (new_start, new_end) == (plan.start, plan.end):
        raise OutageError(_("开始和结束时间都没有变化。"))
    if new_start <= at:
        raise OutageError(_("变更后的开始时间须在现在之后。"))
    if new_start < plan.start:
        _check_notice(new_start, temporary=plan.temporary, at=at)
    inside = inside_notice_period(plan, at)
    how = _what_changed(plan, new_start, new_end)
    before = history.snapshot(plan)
    old_start, old_end = plan.start, plan.end
    plan.start, plan.end = new_start, new_end
    if new_start != old_start:
        plan.start_announced_at = at
    plan.late_changes += int(inside)
    plan.save(update_fields=["start", "end", "start_announced_at", "late_changes"])
    changes = [*history.diff(before, history.snapshot(plan)), ("note", None, reason)]
    history.record(plan, action=ChangeAction.UPDATE, actor=actor, at=at, changes=changes)
    text = _(
        "停电计划变更（%(how)s）：原定 %(old_start)s 至 %(old_end)s 的停电改为 %(start)s 至 %(end)s。原因：%(reason)s。"
    )
    body = text % {
        "how": how, "old_start": _local(old_start), "old_end": _local(old_end), "start": _local(new_start),
        "end": _local(new_end), "reason": reason,
    }  # fmt: skip
    if inside:
        body += _("（本次变更在通知期内。）")
    notices.send(
        reference=plan.reference, county_id=plan.county_id, kind=NoticeKind.CHANGED, subject=_("停电计划变更"),
        body=f"{body} {_body(plan)}", customers=plan_customers(plan), at=at, actor=actor, inside_notice_period=inside,
    )  # fmt: skip
    return plan


@transaction.atomic
def planned_cancel(
    *, plan: PlannedOutage, reason: str, actor: User | None, at: dt.datetime | None = None
) -> PlannedOutage:
    """Cancel a planned outage and tell everyone."""
    at = at or timezone.now()
    plan = _lock(plan)
    reason = _text(reason, _("取消原因"))
    inside = inside_notice_period(plan, at)
    before = history.snapshot(plan)
    plan.status = PlanStatus.CANCELLED
    plan.late_changes += int(inside)
    plan.save(update_fields=["status", "late_changes"])
    changes = [*history.diff(before, history.snapshot(plan)), ("note", None, reason)]
    history.record(plan, action=ChangeAction.UPDATE, actor=actor, at=at, changes=changes)
    body = _("原定 %(start)s 至 %(end)s 在%(area)s的停电取消，届时正常供电。原因：%(reason)s。") % {
        "start": _local(plan.start), "end": _local(plan.end), "area": plan.area, "reason": reason,
    }  # fmt: skip
    if inside:
        body += _("（本次变更在通知期内。）")
    notices.send(
        reference=plan.reference, county_id=plan.county_id, kind=NoticeKind.CANCELLED, subject=_("停电计划取消"),
        body=body, customers=plan_customers(plan), at=at, actor=actor, inside_notice_period=inside,
    )  # fmt: skip
    return plan


@transaction.atomic
def planned_begin(*, plan: PlannedOutage, actor: User | None, at: dt.datetime | None = None) -> OutageEvent:
    """The planned outage takes place at `at` (default now): it becomes the outage event, under the
    same reference, which reliability counts and restoration steps bring back."""
    at = at or timezone.now()
    plan = _lock(plan)
    if at < plan.start:
        raise OutageError(_("停电不能早于公告的开始时间 %(start)s。") % {"start": _local(plan.start)})
    if at > plan.end:
        raise OutageError(_("停电开始时间晚于公告的结束时间 %(end)s，请先变更计划。") % {"end": _local(plan.end)})
    event = services.event_create(
        feeder=plan.feeder, transformers=plan.transformers.all(), kind=OutageKind.PLANNED,
        cause=OutageCause.INTERNAL, start=at, description=plan.works, area=plan.area, reference=plan.reference,
        actor=actor, at=at,
    )  # fmt: skip
    before = history.snapshot(plan)
    plan.status = PlanStatus.STARTED
    plan.event = event
    plan.save(update_fields=["status", "event"])
    history.record(
        plan, action=ChangeAction.UPDATE, actor=actor, at=at, changes=history.diff(before, history.snapshot(plan))
    )
    return event
