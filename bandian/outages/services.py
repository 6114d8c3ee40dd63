"""Every write to outage events and interruption rows.

An entered event fixes its affected MV users when it is created (those on the feeder, or on the
chosen transformers, in service at the start); restoration steps bring them back a set at a time;
`event_expand` is the one function that writes the event's per-user Interruption rows, replacing
them each time so they always equal what an imported file with the same facts would hold.

Each public function takes the actor and the time of the change (`at=`, default now) and records
the change on the event (bandian.grid.history) in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bandian.accounts.models import User
from bandian.core import limits
from bandian.core.errors import ServiceError
from bandian.core.time import SHANGHAI
from bandian.grid import history
from bandian.grid.enums import ChangeAction
from bandian.grid.models import Feeder, MVUser, Transformer
from bandian.outages import rationing
from bandian.outages.enums import EventScope, OutageCause, Source
from bandian.outages.models import Interruption, OutageEvent, RationingOrder, RestorationStep


class OutageError(ServiceError):
    """A request the outage records refuse, with a message for the person who made it."""


def users_in_service(*, feeder: Feeder, transformers: Iterable[Transformer] = (), at: dt.datetime) -> list[MVUser]:
    """The MV users on the feeder (or, when given, on these transformers) in service at `at`."""
    day = at.astimezone(SHANGHAI).date()
    users = MVUser.objects.filter(feeder=feeder)
    chosen = list(transformers)
    if chosen:
        users = MVUser.objects.filter(transformer__in=chosen)
    users = users.filter(Q(in_service_from__isnull=True) | Q(in_service_from__lte=day))
    users = users.filter(Q(in_service_to__isnull=True) | Q(in_service_to__gte=day))
    return list(users.order_by("user_id"))


def _next_reference(start: dt.datetime) -> str:
    """TD-<year>-<n>: n counts the year's entered events (unique over the reference column)."""
    year = start.astimezone(SHANGHAI).year
    prefix = f"TD-{year}-"
    count = OutageEvent.objects.filter(reference__startswith=prefix).count()
    while True:
        count += 1
        reference = f"{prefix}{count:05d}"
        taken = OutageEvent.objects.filter(reference=reference).exists()
        if not taken and not Interruption.objects.filter(event_id=reference).exists():
            return reference


@transaction.atomic
def event_create(
    *,
    feeder: Feeder,
    transformers: Iterable[Transformer] = (),
    kind: str,
    cause: str,
    start: dt.datetime,
    description: str = "",
    area: str = "",
    rationing_order: RationingOrder | None = None,
    reference: str = "",
    actor: User | None,
    at: dt.datetime | None = None,
) -> OutageEvent:
    """Enter an outage on a feeder, or on some of its transformers. A rationing outage names the
    order it executes; without one (or for users it does not list) it is flagged and the
    supervisors are told (bandian.outages.rationing). `reference` is given when a planned outage
    takes place (it keeps its own); otherwise the next TD-<year>-<n>."""
    at = at or timezone.now()
    chosen = list(transformers)
    stray = [t.code for t in chosen if t.feeder_id != feeder.pk]
    if stray:
        raise OutageError(
            _("不在线路 %(feeder)s 上的配变：%(codes)s") % {"feeder": feeder.code, "codes": ", ".join(stray)}
        )
    if timezone.is_naive(start):
        raise OutageError(_("停电开始时间须带时区。"))
    if not limits.date_in_range(start):
        raise OutageError(limits.date_range_message())
    if rationing_order is not None and cause != OutageCause.RATIONING:
        raise OutageError(_("只有限电停电才执行有序用电方案或指令。"))
    affected = users_in_service(feeder=feeder, transformers=chosen, at=start)
    if not affected:
        raise OutageError(_("停电开始时，所选范围内没有在运的中压用户。"))
    fields = {
        "scope": EventScope.TRANSFORMERS if chosen else EventScope.FEEDER,
        "feeder": feeder,
        "county_id": feeder.county_id,
        "kind": kind,
        "cause": cause,
        "start": start,
        "description": description,
        "area": area,
        "rationing_order": rationing_order,
        "entered_by": actor,
    }
    event = OutageEvent.objects.create(reference=reference, **fields) if reference else _create_numbered(**fields)
    if chosen:
        event.transformers.set(chosen)
    event.affected_users.set(affected)
    event_expand(event=event)
    changes = history.diff(None, history.snapshot(event))
    changes += [
        ("transformers", None, history.shown(chosen) or None),
        ("affected_users", None, history.shown(affected)),
    ]
    history.record(event, action=ChangeAction.CREATE, actor=actor, at=at, changes=[c for c in changes if c[2]])
    rationing.check_event(event)
    return event


def _create_numbered(**fields: Any) -> OutageEvent:
    """Create the event with the next free reference; two events entered at the same moment
    may pick the same number, and the one that loses the unique index retries."""
    for attempt in range(5):
        try:
            with transaction.atomic():
                return OutageEvent.objects.create(reference=_next_reference(fields["start"]), **fields)
        except IntegrityError:
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


def _lock(event: OutageEvent) -> OutageEvent:
    return OutageEvent.objects.select_for_update().get(pk=event.pk)


def restored_at(event: OutageEvent) -> dict[int, dt.datetime]:
    """MV user pk → when it was restored, for the users of this event restored so far."""
    through = RestorationStep.users.through
    pairs = through.objects.filter(restorationstep__event=event).values_list("mvuser_id", "restorationstep__at")
    return dict(pairs)


@transaction.atomic
def restoration_add(
    *,
    event: OutageEvent,
    at: dt.datetime,
    users: Iterable[MVUser] | None = None,
    note: str = "",
    actor: User | None,
    recorded_at: dt.datetime | None = None,
) -> RestorationStep:
    """Record that these users (None: every one still out) got supply back at `at` (the change
    itself is recorded as made at `recorded_at`, default now)."""
    recorded_at = recorded_at or timezone.now()
    event = _lock(event)
    if event.closed_at is not None:
        raise OutageError(_("停电事件已结束，不能再添加复电步骤。"))
    if not limits.date_in_range(at):
        raise OutageError(limits.date_range_message())
    if at < event.start:
        raise OutageError(_("复电时间不能早于停电开始时间（%(start)s）。") % {"start": _local(event.start)})
    last = event.steps.order_by("-at").values_list("at", flat=True).first()
    if last is not None and at < last:
        raise OutageError(_("复电时间不能早于上一步的复电时间（%(at)s）。") % {"at": _local(last)})
    done = restored_at(event)
    remaining = [u for u in event.affected_users.order_by("user_id") if u.pk not in done]
    if users is None:
        chosen = remaining
    else:
        chosen = list(users)
        left = {u.pk for u in remaining}
        wrong = [u.user_id for u in chosen if u.pk not in left]
        if wrong:
            raise OutageError(_("这些用户不在本次停电中或已复电：%(ids)s") % {"ids": ", ".join(wrong)})
    if not chosen:
        raise OutageError(_("请选择要复电的用户。"))
    step = RestorationStep.objects.create(event=event, at=at, note=note, entered_by=actor)
    step.users.set(chosen)
    event_expand(event=event)
    changes = [("restored_at", None, history.shown(at)), ("users_restored", None, history.shown(chosen))]
    if note:
        changes.append(("note", None, note))
    history.record(event, action=ChangeAction.RESTORE, actor=actor, at=recorded_at, changes=changes)
    return step


@transaction.atomic
def event_close(*, event: OutageEvent, actor: User | None, at: dt.datetime | None = None) -> OutageEvent:
    """Close an event whose every affected user is restored (at `at`, default now)."""
    at = at or timezone.now()
    event = _lock(event)
    if event.closed_at is not None:
        raise OutageError(_("停电事件已经结束。"))
    left = event.affected_users.count() - len(restored_at(event))
    if left:
        raise OutageError(_("还有 %(n)d 个用户未复电，不能结束。") % {"n": left})
    event.closed_at = at
    event.save(update_fields=["closed_at"])
    history.record(
        event, action=ChangeAction.CLOSE, actor=actor, at=at, changes=[("closed_at", None, history.shown(at))]
    )
    return event


def event_expand(*, event: OutageEvent) -> int:
    """Write the event's per-user Interruption rows (one per affected user; end = its step's time,
    empty while still out), replacing the rows written before. Returns the number of rows."""
    done = restored_at(event)
    rows = [
        Interruption(
            event_id=event.reference,
            user_id=user_id,
            start=event.start,
            end=done.get(pk),
            kind=event.kind,
            cause=event.cause,
            source=Source.ENTERED,
            outage=event,
        )
        for pk, user_id in event.affected_users.values_list("pk", "user_id")
    ]
    with transaction.atomic():
        Interruption.objects.filter(outage=event).delete()
        Interruption.objects.bulk_create(rows)
    return len(rows)


def _local(at: dt.datetime) -> str:
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
