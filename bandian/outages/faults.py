"""Faults (故障停电) and repair progress (抢修进度), told to the customers still out of supply.

`fault_report` enters an outage as it happens (a fault, or rationing, which needs its order) and
notifies the affected customers at once. `progress_add` records a step — crew dispatched, fault
located, under repair, the estimated restoration time (as often as it changes), partly restored
(these users), restored (everyone) — and notifies the customers still out before it. The
restoring steps go through `services.restoration_add` (and `event_close`), so the interruption
rows follow as for any entered event. A planned outage that has taken place gets its progress
and its restoration the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bandian.accounts.models import User
from bandian.core import limits
from bandian.core.errors import StateConflict
from bandian.core.time import SHANGHAI
from bandian.grid import history
from bandian.grid.enums import ChangeAction
from bandian.grid.models import Feeder, MVUser, Transformer
from bandian.outages import notices, services
from bandian.outages.enums import RECORDED_STAGES, NoticeKind, OutageCause, OutageKind, ProgressStage
from bandian.outages.models import OutageEvent, ProgressStep, RationingOrder
from bandian.outages.services import OutageError

CAUSE_WORDS = {
    OutageCause.INTERNAL: gettext_lazy("供电设备故障"),
    OutageCause.EXTERNAL: gettext_lazy("外部原因（如天气、外力破坏）"),
    OutageCause.RATIONING: gettext_lazy("有序用电限电"),
}


def cause_words(event: OutageEvent) -> str:
    """The cause in plain words, for customers and the public page."""
    if event.kind == OutageKind.PLANNED:
        return event.description or str(OutageKind.PLANNED.label)
    return str(CAUSE_WORDS.get(OutageCause(event.cause), event.get_cause_display()))


def _local(at: dt.datetime) -> str:
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def still_out(event: OutageEvent) -> list[MVUser]:
    done = services.restored_at(event)
    return [u for u in event.affected_users.order_by("user_id") if u.pk not in done]


def estimated_restoration(event: OutageEvent) -> dt.datetime | None:
    """The latest estimate of restoration given (None: none yet)."""
    step = event.progress.filter(estimated_restoration__isnull=False).order_by("-at", "-pk").first()
    return step.estimated_restoration if step else None


@transaction.atomic
def fault_report(
    *,
    feeder: Feeder,
    transformers: Iterable[Transformer] = (),
    cause: str,
    start: dt.datetime,
    description: str = "",
    area: str = "",
    rationing_order: RationingOrder | None = None,
    actor: User | None,
    at: dt.datetime | None = None,
) -> tuple[OutageEvent, int]:
    """Enter a fault (or rationing) outage as it happens and notify its customers at once;
    returns the event and the number of customers notified."""
    at = at or timezone.now()
    if cause not in OutageCause.values:
        raise OutageError(_("未知的停电原因：%(c)s") % {"c": cause})
    if timezone.is_aware(start) and start > at:
        raise OutageError(_("故障停电的开始时间不能晚于现在。"))
    event = services.event_create(
        feeder=feeder, transformers=transformers, kind=OutageKind.FAULT, cause=cause, start=start,
        description=description, area=area, rationing_order=rationing_order, actor=actor, at=at,
    )  # fmt: skip
    ProgressStep.objects.create(event=event, stage=ProgressStage.REPORTED, at=at, entered_by=actor)
    customers = notices.customers_of(event.affected_users.all())
    place = event.area or f"{feeder.name}"
    body = _("停电通知：%(place)s 自 %(start)s 起停电，原因：%(cause)s。抢修正在安排，恢复送电时将另行通知。") % {
        "place": place, "start": _local(start), "cause": cause_words(event),
    }  # fmt: skip
    notices.send(
        reference=event.reference, county_id=event.county_id, kind=NoticeKind.FAULT, subject=_("故障停电通知"),
        body=body, customers=customers, at=at, actor=actor,
    )  # fmt: skip
    return event, len(customers)


def _check_estimate(event: OutageEvent, value: dt.datetime | None, at: dt.datetime) -> None:
    if value is None:
        return
    if timezone.is_naive(value):
        raise OutageError(_("预计恢复送电时间须带时区。"))
    if not limits.date_in_range(value):
        raise OutageError(limits.date_range_message())
    if value <= event.start or value < at - dt.timedelta(minutes=1):
        raise OutageError(_("预计恢复送电时间须晚于停电开始和现在。"))


@transaction.atomic
def progress_add(
    *,
    event: OutageEvent,
    stage: str,
    estimated_restoration: dt.datetime | None = None,
    note: str = "",
    users: Iterable[MVUser] | None = None,
    actor: User | None,
    at: dt.datetime | None = None,
) -> ProgressStep:
    """Record a step of repair progress at `at` (default now) and notify the customers still out.

    `partly_restored` with `users` restores them (without: the step is told, the rows wait for
    the users); `restored` restores everyone still out and closes the event."""
    at = at or timezone.now()
    event = OutageEvent.objects.select_for_update().get(pk=event.pk)
    if event.closed_at is not None:
        raise StateConflict(_("停电 %(ref)s 已恢复送电并结束。") % {"ref": event.reference})
    if stage not in RECORDED_STAGES:
        raise OutageError(
            _("未知的抢修进度：%(s)s（可选：%(all)s）")
            % {"s": stage, "all": ", ".join(str(s) for s in RECORDED_STAGES)}
        )
    note = note.strip()
    if len(note) > limits.SHORT_MAX:
        raise OutageError(_("备注不能超过 %(n)d 个字。") % {"n": limits.SHORT_MAX})
    if not limits.date_in_range(at) or at < event.start:
        raise OutageError(_("进度时间不能早于停电开始时间（%(start)s）。") % {"start": _local(event.start)})
    if stage == ProgressStage.ESTIMATE and estimated_restoration is None:
        raise OutageError(_("请填写预计恢复送电时间。"))
    _check_estimate(event, estimated_restoration, at)
    before = still_out(event)
    chosen = list(users) if users is not None else None
    if stage == ProgressStage.PARTLY_RESTORED and chosen is not None and not chosen:
        raise OutageError(_("请选择已恢复送电的用户。"))
    restoration = None
    restored: list[MVUser] = []
    if stage == ProgressStage.PARTLY_RESTORED and chosen:
        restoration = services.restoration_add(event=event, at=at, users=chosen, note=note, actor=actor, recorded_at=at)
        restored = chosen
    elif stage == ProgressStage.RESTORED:
        if before:
            restoration = services.restoration_add(
                event=event, at=at, users=None, note=note, actor=actor, recorded_at=at
            )
        restored = before
    step = ProgressStep.objects.create(
        event=event, stage=stage, at=at, estimated_restoration=estimated_restoration, note=note,
        restoration=restoration, entered_by=actor,
    )  # fmt: skip
    changes = [
        ("stage", None, str(ProgressStage(stage).label)),
        ("estimated_restoration", None, history.shown(estimated_restoration)),
    ]
    if note:
        changes.append(("note", None, note))
    history.record(event, action=ChangeAction.UPDATE, actor=actor, at=at, changes=[c for c in changes if c[2]])
    if stage == ProgressStage.RESTORED:
        services.event_close(event=event, actor=actor, at=at)
    _tell(event, step, restored=restored, still=[u for u in before if u not in restored], actor=actor)
    return step


def _tell(
    event: OutageEvent, step: ProgressStep, *, restored: list[MVUser], still: list[MVUser], actor: User | None
) -> None:
    place = event.area or event.feeder.name
    extra = f" {step.note}" if step.note else ""
    if restored:
        body = _("恢复送电：%(place)s 已于 %(at)s 恢复送电。%(extra)s") % {
            "place": place, "at": _local(step.at), "extra": extra,
        }  # fmt: skip
        notices.send(
            reference=event.reference, county_id=event.county_id, kind=NoticeKind.RESTORED, subject=_("恢复送电通知"),
            body=body.strip(), customers=notices.customers_of(restored), at=step.at, actor=actor,
        )  # fmt: skip
    if still:
        estimate = step.estimated_restoration or estimated_restoration(event)
        body = _("抢修进度：%(place)s 的停电（%(ref)s）%(stage)s。") % {
            "place": place, "ref": event.reference, "stage": step.get_stage_display(),
        }  # fmt: skip
        if estimate is not None:
            body += _("预计 %(at)s 恢复送电。") % {"at": _local(estimate)}
        notices.send(
            reference=event.reference, county_id=event.county_id, kind=NoticeKind.PROGRESS, subject=_("抢修进度"),
            body=(body + extra).strip(), customers=notices.customers_of(still), at=step.at, actor=actor,
        )  # fmt: skip
