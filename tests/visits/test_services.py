"""Publishing, booking, moving, cancelling, confirming and reminding, through the services."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from bandian.applications import services as app_services
from bandian.applications.enums import EventType
from bandian.applications.integrity import verify_all
from bandian.applications.visits import selectors, services
from bandian.applications.visits.models import Booking, VisitSlot
from bandian.core.errors import ServiceError, StateConflict
from bandian.notify.models import Message
from tests.conftest import make_user, submitted
from tests.visits.conftest import at, hv

pytestmark = pytest.mark.django_db


def sms(app, text: str) -> list[Message]:
    return list(Message.objects.filter(application_id=app.pk, channel=Message.Channel.SMS, body__contains=text))


def test_slots_are_published_only_on_working_days_at_the_policys_times(now, cm):
    # Friday 5 June to Tuesday 9 June: the weekend is skipped.
    made = services.slots_publish(manager=cm, first=dt.date(2026, 6, 5), last=dt.date(2026, 6, 9))
    starts = [s.starts_at.astimezone(at(2026, 1, 1).tzinfo) for s in made]
    assert [s.date() for s in starts] == [dt.date(2026, 6, d) for d in (5, 5, 8, 8, 9, 9)]
    assert {(s.hour, s.minute) for s in starts} == {(9, 0), (14, 30)}
    assert all(s.ends_at - s.starts_at == dt.timedelta(minutes=120) for s in made)
    # Publishing again adds nothing.
    assert services.slots_publish(manager=cm, first=dt.date(2026, 6, 5), last=dt.date(2026, 6, 9)) == []
    assert VisitSlot.objects.count() == 6


def test_a_saturday_or_a_holiday_alone_is_refused(now, cm):
    with pytest.raises(ServiceError, match="工作日"):
        services.slots_publish(manager=cm, first=dt.date(2026, 6, 6))
    with pytest.raises(ServiceError, match="工作日"):
        services.slots_publish(manager=cm, first=dt.date(2026, 6, 19))  # 端午节 2026
    with pytest.raises(ServiceError):
        services.slots_publish(manager=cm, first=dt.date(2026, 6, 3), times=[dt.time(11, 0)])
    with pytest.raises(ServiceError):
        services.slots_publish(manager=cm, first=dt.date(2026, 5, 29))
    assert not VisitSlot.objects.exists()


def test_only_customer_managers_publish(now, pm):
    with pytest.raises(ServiceError):
        services.slots_publish(manager=pm, first=dt.date(2026, 6, 3))
    assert not VisitSlot.objects.exists()


def test_booking_records_the_event_tells_the_applicant_and_takes_the_slot(hv_app, slots, alice, bob, kaili):
    booking = services.visit_book(application=hv_app, slot=slots[0], actor=alice)
    assert booking.status == Booking.Status.BOOKED
    event = hv_app.events.order_by("-seq").first()
    assert event.type == EventType.SITE_VISIT_BOOKED and event.data["slot"] == slots[0].pk
    assert sms(hv_app, "2026-06-03 09:00")
    assert slots[0] not in selectors.open_slots(hv_app)

    other = hv(bob, kaili, address="凯里市文化北路 3 号")
    before = other.event_count
    with pytest.raises(StateConflict, match="已被预约"):
        services.visit_book(application=other, slot=slots[0], actor=bob)
    other.refresh_from_db()
    assert other.event_count == before
    assert not Booking.objects.filter(application=other).exists()
    assert verify_all() == []


def test_refusals_change_nothing(hv_app, slots, alice, bob, kaili, now):
    low = submitted(bob, kaili)  # residential
    huangping_cm = make_user("cm-hp", "customer_manager", "522622")
    elsewhere = services.slots_publish(manager=huangping_cm, first=dt.date(2026, 6, 3))[0]
    events, low_events = hv_app.event_count, low.event_count
    with pytest.raises(ServiceError, match="高压"):
        services.visit_book(application=low, slot=slots[0], actor=bob)
    with pytest.raises(ServiceError, match="其他县"):
        services.visit_book(application=hv_app, slot=elsewhere, actor=alice)
    now.move_to(at(2026, 6, 3, 10))  # the 09:00 slot is past, the 14:30 one within 24 hours
    with pytest.raises(ServiceError, match="过期"):
        services.visit_book(application=hv_app, slot=slots[0], actor=alice)
    with pytest.raises(ServiceError, match="24 小时"):
        services.visit_book(application=hv_app, slot=slots[1], actor=alice)
    hv_app.refresh_from_db()
    low.refresh_from_db()
    assert hv_app.event_count == events and low.event_count == low_events
    assert not Booking.objects.exists()


def test_moving_and_cancelling_until_24_hours_before(hv_app, slots, alice, now):
    services.visit_book(application=hv_app, slot=slots[0], actor=alice)
    moved = services.visit_book(application=hv_app, slot=slots[3], actor=alice)  # Thursday 14:30
    assert moved.slot == slots[3] and Booking.objects.count() == 1
    assert hv_app.events.filter(type=EventType.SITE_VISIT_CHANGED).count() == 1
    assert sms(hv_app, "改为 2026-06-04 14:30")
    assert slots[0] in selectors.open_slots(hv_app)  # the first slot is free again

    now.move_to(at(2026, 6, 3, 15))  # 23.5 hours before
    events = hv_app.events.count()
    with pytest.raises(StateConflict, match="24 小时"):
        services.visit_cancel(application=hv_app, actor=alice)
    with pytest.raises(StateConflict, match="24 小时"):
        services.visit_book(application=hv_app, slot=slots[5], actor=alice)
    assert hv_app.events.count() == events
    assert Booking.objects.get().slot == slots[3] and Booking.objects.get().status == "booked"


def test_the_applicant_cancels_and_may_book_again(hv_app, slots, alice):
    services.visit_book(application=hv_app, slot=slots[0], actor=alice)
    cancelled = services.visit_cancel(application=hv_app, actor=alice)
    assert cancelled.status == "cancelled"
    assert hv_app.events.filter(type=EventType.SITE_VISIT_CANCELLED).count() == 1
    again = services.visit_book(application=hv_app, slot=slots[0], actor=alice)
    assert again.pk != cancelled.pk and again.status == "booked"
    with pytest.raises(StateConflict):
        services.visit_book(application=hv_app, slot=slots[0], actor=alice)  # already this one


def test_the_slots_manager_confirms_and_may_cancel_with_a_reason(hv_app, slots, alice, cm, pm):
    booking = services.visit_book(application=hv_app, slot=slots[0], actor=alice)
    with pytest.raises(ServiceError):
        services.visit_confirm(booking=booking, actor=pm)
    confirmed = services.visit_confirm(booking=booking, actor=cm)
    assert confirmed.status == "confirmed"
    assert hv_app.events.filter(type=EventType.SITE_VISIT_CONFIRMED).count() == 1
    assert sms(hv_app, "已确认 2026-06-03 09:00")
    with pytest.raises(StateConflict):
        services.visit_confirm(booking=booking, actor=cm)
    with pytest.raises(ServiceError, match="理由"):
        services.visit_cancel(application=hv_app, actor=cm)
    services.visit_cancel(application=hv_app, actor=cm, note="临时抢修")
    assert sms(hv_app, "临时抢修")


def test_a_withdrawn_slot_is_not_offered_and_a_booked_one_cannot_be_withdrawn(hv_app, slots, alice, cm):
    services.visit_book(application=hv_app, slot=slots[0], actor=alice)
    with pytest.raises(StateConflict):
        services.slot_withdraw(slot=slots[0], actor=cm)
    services.slot_withdraw(slot=slots[1], actor=cm)
    assert slots[1] not in selectors.open_slots(hv_app)
    with pytest.raises(ServiceError):
        services.visit_book(application=hv_app, slot=slots[1], actor=alice)


def test_the_day_before_reminder_is_sent_once(hv_app, slots, alice, now):
    services.visit_book(application=hv_app, slot=slots[2], actor=alice)  # Thursday 4 June 09:00
    assert services.visit_reminders_send() == 0  # Monday: not yet
    now.move_to(at(2026, 6, 3, 18))
    assert services.visit_reminders_send() == 1
    assert services.visit_reminders_send() == 0
    assert len(sms(hv_app, "将于 2026-06-04 09:00")) == 1


def test_the_reminder_runs_as_a_command(hv_app, slots, alice, now):
    from django.core.management import call_command

    services.visit_book(application=hv_app, slot=slots[2], actor=alice)
    now.move_to(at(2026, 6, 3, 18))
    call_command("visits", "remind")
    call_command("visits", "remind", "--enqueue")  # immediate backend in tests: runs at once, sends nothing new
    assert len(sms(hv_app, "将于 2026-06-04 09:00")) == 1


def test_a_site_visit_never_counts_as_the_applicants_visit(alice, bob, kaili, cm, pm):
    """最多跑一次: two identical applications, one with a booked, moved, confirmed visit; their
    visits counts and their compliance report lines are the same."""
    from bandian.applications.compliance import compliance_report

    with time_machine.travel(at(2026, 6, 1, 10), tick=False) as clock:
        plain = hv(bob, kaili, address="凯里市文化北路 3 号")
        booked = hv(alice, kaili)
        slots = services.slots_publish(manager=cm, first=dt.date(2026, 6, 3), last=dt.date(2026, 6, 4))
        services.visit_book(application=booked, slot=slots[0], actor=alice)
        services.visit_book(application=booked, slot=slots[2], actor=alice)
        services.visit_confirm(booking=Booking.objects.get(), actor=cm)
        assert app_services.application_clocks(booked).visits == 0
        for stage, day in (("apply", 2), ("plan", 9), ("connect", 16)):
            clock.move_to(at(2026, 6, day, 11))
            for app in (plain, booked):
                app_services.stage_complete(application=app, stage=stage, actor=cm)
    report = {line["no"]: line for line in compliance_report(2026).as_dict()["applications"]}
    a, b = report[plain.no], report[booked.no]
    assert b["visits"] == 0
    assert {k: v for k, v in a.items() if k != "no"} == {k: v for k, v in b.items() if k != "no"}
    assert verify_all() == []
    # The applicant's own visit does count (the check above can fail).
    other = hv(alice, kaili, address="凯里市北京东路 9 号")
    app_services.visit_record(application=other, actor=cm, note="到营业厅补签")
    assert app_services.application_clocks(other).visits == 1


def test_booking_is_closed_after_the_survey_steps(hv_app, slots, alice, cm):
    for stage in ("apply", "plan"):
        app_services.stage_complete(application=hv_app, stage=stage, actor=cm)
    with pytest.raises(StateConflict):
        services.visit_book(application=hv_app, slot=slots[0], actor=alice)
    assert not Booking.objects.exists()
