"""The write paths of visit booking (预约上门): publish and withdraw slots, book, move, cancel,
confirm, remind. Each is keyword-only and time-aware (`at=`, default now), locks what it changes,
checks, records the change on the application's timeline through `record_event`
(`SITE_VISIT_BOOKED`, `_CHANGED`, `_CANCELLED`, `_CONFIRMED`) and tells the applicant.

The manager's visit to the site is not the applicant's in-person visit (`EventType.VISIT`): these
events never count against 最多跑一次.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bandian.accounts.models import Role, User
from bandian.applications.enums import EventType, Status
from bandian.applications.models import Application
from bandian.applications.services import record_event
from bandian.applications.visits.models import Booking, CalendarFeed, VisitSlot, new_feed_token
from bandian.applications.visits.rules import books_visits
from bandian.core.errors import ServiceError, StateConflict
from bandian.core.time import SHANGHAI
from bandian.notify.services import notify
from bandian.policy.loader import active_policy
from bandian.policy.visits import Visits
from bandian.workdays.selectors import get_calendar


def _now(at: dt.datetime | None) -> dt.datetime:
    return at or timezone.now()


def local_text(when: dt.datetime) -> str:
    """A slot's start as people read it: Shanghai time."""
    return when.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


# Slots.


def slots_publish(
    *,
    manager: User,
    first: dt.date,
    last: dt.date | None = None,
    times: Iterable[dt.time] | None = None,
    at: dt.datetime | None = None,
) -> list[VisitSlot]:
    """Publish the manager's slots at the policy's times (or some of them) on every working day
    from `first` to `last` (default: that one day). Days off are skipped; a single day off is
    refused. A slot already published is left as it is (publishing twice adds nothing); one
    withdrawn is offered again. Returns the slots now open that this call published."""
    now = _now(at)
    rules = active_policy().visits
    if manager.role != Role.CUSTOMER_MANAGER or manager.county_id is None:
        raise ServiceError(_("只有县（市）客户经理可以发布上门时段"))
    last = last or first
    today = now.astimezone(SHANGHAI).date()
    if last < first:
        raise ServiceError(_("结束日期早于开始日期"))
    if first < today:
        raise ServiceError(_("不能发布已过去日期的时段"))
    if last > today + dt.timedelta(days=rules.publish_days):
        raise ServiceError(_("最多可提前 %(n)s 天发布时段") % {"n": rules.publish_days})
    chosen = sorted(set(times)) if times is not None else list(rules.times)
    if not chosen:
        raise ServiceError(_("请选择时段"))
    unknown = [t for t in chosen if t not in rules.times]
    if unknown:
        raise ServiceError(
            _("时段只能从 %(times)s 开始") % {"times": "、".join(t.strftime("%H:%M") for t in rules.times)}
        )
    cal = get_calendar()
    cal.check(first, last)
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    working = [d for d in days if cal.is_working_day(d)]
    if not working:
        raise ServiceError(_("所选日期不是工作日：上门时段只能发布在工作日"))
    made: list[VisitSlot] = []
    with transaction.atomic():
        for day in working:
            for t in chosen:
                start = dt.datetime.combine(day, t, tzinfo=SHANGHAI)
                if start <= now:
                    continue
                slot, created = VisitSlot.objects.select_for_update().get_or_create(
                    manager=manager,
                    starts_at=start,
                    defaults={
                        "county_id": manager.county_id,
                        "ends_at": start + dt.timedelta(minutes=rules.slot_minutes),
                        "published_at": now,
                    },
                )
                if not created and slot.withdrawn_at is not None:
                    slot.withdrawn_at = None
                    slot.published_at = now
                    slot.save(update_fields=["withdrawn_at", "published_at"])
                    created = True
                if created:
                    made.append(slot)
    return made


def slot_withdraw(*, slot: VisitSlot, actor: User, at: dt.datetime | None = None) -> VisitSlot:
    """The manager takes back an unbooked slot of their own."""
    now = _now(at)
    with transaction.atomic():
        slot = VisitSlot.objects.select_for_update().get(pk=slot.pk)
        if slot.manager_id != actor.pk:
            raise ServiceError(_("只能撤回自己的时段"))
        if slot.withdrawn_at is not None:
            raise StateConflict(_("该时段已撤回"))
        if slot.bookings.filter(status__in=Booking.LIVE).exists():
            raise StateConflict(_("该时段已被预约，请先取消预约"))
        slot.withdrawn_at = now
        slot.save(update_fields=["withdrawn_at"])
    return slot


# Bookings.


def _check_bookable(app: Application, policy_visits: Visits) -> None:
    if not books_visits(app):
        raise ServiceError(_("只有高压用电申请可以预约客户经理上门"))
    if app.status not in Status.open_states():
        raise StateConflict(_("申请未在办理中，不能预约上门"))
    if app.current_stage not in policy_visits.stages:
        raise StateConflict(_("现场勘查已过，当前环节不能再预约上门"))


def _check_in_time(starts_at: dt.datetime, now: dt.datetime, hours: int, *, moving: bool) -> None:
    if starts_at <= now:
        raise ServiceError(_("该时段已过期"))
    if starts_at - dt.timedelta(hours=hours) < now:
        if moving:
            raise StateConflict(_("上门前 %(h)s 小时内不能再改约或取消，请联系客户经理") % {"h": hours})
        raise ServiceError(_("须在上门前 %(h)s 小时以前预约") % {"h": hours})


def _lock_application(app: Application) -> Application:
    return Application.objects.select_for_update().get(pk=app.pk)


def _tell(app: Application, subject: str, body: str) -> None:
    notify(
        subject=subject,
        body=f"{app.no}：{body}",
        recipient=app.applicant,
        phone=app.phone,
        application_id=app.pk,
    )


def _tell_manager(manager: User, app: Application, subject: str, body: str) -> None:
    notify(subject=subject, body=f"{app.no}：{body}", recipient=manager, application_id=app.pk, sms=False)


def visit_book(*, application: Application, slot: VisitSlot, actor: User, at: dt.datetime | None = None) -> Booking:
    """Book `slot` for the site survey of a high-voltage application, or move the application's
    booking to it. A slot is booked once: the slot row is locked and the database refuses a second
    live booking of it. Refused without any change: a low-voltage or closed application, a slot of
    another county, withdrawn, past or within `change_hours`, one already taken, and a move
    within `change_hours` of the booked visit."""
    now = _now(at)
    rules = active_policy().visits
    try:
        with transaction.atomic():
            app = _lock_application(application)
            _check_bookable(app, rules)
            slot = VisitSlot.objects.select_for_update().select_related("manager").get(pk=slot.pk)
            if slot.county_id != app.county_id:
                raise ServiceError(_("该时段属于其他县（市）的客户经理，不能预约"))
            if slot.withdrawn_at is not None:
                raise ServiceError(_("该时段已撤回"))
            _check_in_time(slot.starts_at, now, rules.change_hours, moving=False)
            current = (
                Booking.objects.select_for_update()
                .select_related("slot")
                .filter(application=app, status__in=Booking.LIVE)
                .first()
            )
            if current is not None and current.slot_id == slot.pk:
                raise StateConflict(_("已经预约了该时段"))
            if slot.bookings.filter(status__in=Booking.LIVE).exists():
                raise StateConflict(_("该时段已被预约，请选择其他时段"))
            data = {"slot": slot.pk, "starts_at": slot.starts_at.isoformat(), "manager": slot.manager_id}
            if current is None:
                booking = Booking.objects.create(application=app, slot=slot, booked_at=now)
                record_event(app, EventType.SITE_VISIT_BOOKED, actor=actor, at=at, data={"booking": booking.pk, **data})
                _tell(
                    app,
                    _("上门预约成功"),
                    _("已预约客户经理 %(m)s 于 %(t)s 上门现场勘查，待客户经理确认。")
                    % {"m": slot.manager.display_name or slot.manager.username, "t": local_text(slot.starts_at)},
                )
                _tell_manager(slot.manager, app, _("新的上门预约"), local_text(slot.starts_at))
                return booking
            _check_in_time(current.slot.starts_at, now, rules.change_hours, moving=True)
            previous = current.slot
            current.slot = slot
            current.status = Booking.Status.BOOKED
            current.changed_at = now
            current.confirmed_at = None
            current.reminded_at = None
            current.revision += 1
            current.save()
            record_event(
                app,
                EventType.SITE_VISIT_CHANGED,
                actor=actor,
                at=at,
                data={"booking": current.pk, **data, "from": previous.starts_at.isoformat()},
            )
            _tell(
                app,
                _("上门预约已改约"),
                _("上门时间由 %(old)s 改为 %(new)s（客户经理 %(m)s），待客户经理确认。")
                % {
                    "old": local_text(previous.starts_at),
                    "new": local_text(slot.starts_at),
                    "m": slot.manager.display_name or slot.manager.username,
                },
            )
            for manager in {previous.manager, slot.manager}:
                _tell_manager(
                    manager, app, _("上门预约改约"), f"{local_text(previous.starts_at)} → {local_text(slot.starts_at)}"
                )
            return current
    except IntegrityError as exc:
        # Another transaction booked the slot between our check and our write (the constraint).
        raise StateConflict(_("该时段已被预约，请选择其他时段")) from exc


def live_booking(app: Application) -> Booking | None:
    return (
        Booking.objects.select_related("slot", "slot__manager").filter(application=app, status__in=Booking.LIVE).first()
    )


def visit_cancel(*, application: Application, actor: User, note: str = "", at: dt.datetime | None = None) -> Booking:
    """Cancel the application's booking: by the applicant's side until `change_hours` before the
    visit, or by the slot's manager (with a reason) until it starts. The slot is free again."""
    now = _now(at)
    rules = active_policy().visits
    note = note.strip()
    with transaction.atomic():
        app = _lock_application(application)
        booking = (
            Booking.objects.select_for_update()
            .select_related("slot", "slot__manager")
            .filter(application=app, status__in=Booking.LIVE)
            .first()
        )
        if booking is None:
            raise StateConflict(_("没有有效的上门预约"))
        by_manager = booking.slot.manager_id == actor.pk
        if by_manager:
            if not note:
                raise ServiceError(_("客户经理取消预约须说明理由"))
            if booking.slot.starts_at <= now:
                raise StateConflict(_("上门时间已过，不能取消"))
        else:
            _check_in_time(booking.slot.starts_at, now, rules.change_hours, moving=True)
        booking.status = Booking.Status.CANCELLED
        booking.cancelled_at = now
        booking.cancel_note = note[:200]
        booking.revision += 1
        booking.save()
        record_event(
            app,
            EventType.SITE_VISIT_CANCELLED,
            actor=actor,
            at=at,
            note=note,
            data={"booking": booking.pk, "slot": booking.slot_id, "starts_at": booking.slot.starts_at.isoformat()},
        )
        when = local_text(booking.slot.starts_at)
        if by_manager:
            _tell(
                app,
                _("上门预约已取消"),
                _("客户经理取消了 %(t)s 的上门预约：%(n)s。请重新预约。") % {"t": when, "n": note},
            )
        else:
            _tell(app, _("上门预约已取消"), _("已取消 %(t)s 的上门预约。") % {"t": when})
            _tell_manager(booking.slot.manager, app, _("上门预约已取消"), when)
    return booking


def visit_confirm(*, booking: Booking, actor: User, at: dt.datetime | None = None) -> Booking:
    """The slot's customer manager confirms the booked visit; the applicant is told."""
    now = _now(at)
    with transaction.atomic():
        app = _lock_application(booking.application)
        booking = Booking.objects.select_for_update().select_related("slot").get(pk=booking.pk)
        if booking.slot.manager_id != actor.pk:
            raise ServiceError(_("只有该时段的客户经理可以确认"))
        if booking.status == Booking.Status.CONFIRMED:
            raise StateConflict(_("该预约已确认"))
        if booking.status != Booking.Status.BOOKED:
            raise StateConflict(_("该预约已取消"))
        if booking.slot.starts_at <= now:
            raise StateConflict(_("上门时间已过，不能确认"))
        booking.status = Booking.Status.CONFIRMED
        booking.confirmed_at = now
        booking.revision += 1
        booking.save()
        record_event(
            app,
            EventType.SITE_VISIT_CONFIRMED,
            actor=actor,
            at=at,
            data={"booking": booking.pk, "slot": booking.slot_id, "starts_at": booking.slot.starts_at.isoformat()},
        )
        _tell(
            app,
            _("上门预约已确认"),
            _("客户经理已确认 %(t)s 上门现场勘查。") % {"t": local_text(booking.slot.starts_at)},
        )
    return booking


def visit_reminders_send(*, at: dt.datetime | None = None) -> int:
    """The day-before SMS: every live booking of an open application whose visit is tomorrow
    (Shanghai) or sooner and not yet reminded gets one. Idempotent: a second run the same day sends
    nothing. Run daily by `manage.py visits remind` (cron) or the worker's task."""
    now = _now(at)
    tomorrow_end = dt.datetime.combine(
        now.astimezone(SHANGHAI).date() + dt.timedelta(days=2), dt.time(), tzinfo=SHANGHAI
    )
    due = Booking.objects.filter(
        status__in=Booking.LIVE,
        reminded_at__isnull=True,
        slot__starts_at__gt=now,
        slot__starts_at__lt=tomorrow_end,
        application__status__in=Status.open_states(),
    ).values_list("pk", flat=True)
    sent = 0
    for pk in list(due):
        with transaction.atomic():
            booking = (
                Booking.objects.select_for_update()
                .select_related("slot", "slot__manager", "application")
                .filter(pk=pk, reminded_at__isnull=True, status__in=Booking.LIVE)
                .first()
            )
            if booking is None:
                continue
            booking.reminded_at = now
            booking.save(update_fields=["reminded_at"])
            manager = booking.slot.manager
            _tell(
                booking.application,
                _("上门提醒"),
                _("客户经理 %(m)s 将于 %(t)s 上门现场勘查，联系电话 %(p)s。")
                % {
                    "m": manager.display_name or manager.username,
                    "t": local_text(booking.slot.starts_at),
                    "p": manager.phone or "—",
                },
            )
            sent += 1
    return sent


def feed_token_reset(*, manager: User) -> CalendarFeed:
    """A new secret for the manager's calendar feed: the old address stops working at once."""
    feed, _created = CalendarFeed.objects.get_or_create(manager=manager)
    feed.token = new_feed_token()
    feed.save()
    return feed
