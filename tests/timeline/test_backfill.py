"""Field actions carry the terminal's own time and id; the server keeps its receipt time beside them,
and flags an event whose device time is earlier than the previous event's receipt (back-filled)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from bandian.applications import services
from bandian.applications.integrity import verify_all
from bandian.applications.models import Event
from bandian.core.errors import ServiceError
from bandian.core.time import SHANGHAI
from tests.conftest import submitted

T0 = dt.datetime(2026, 9, 28, 9, tzinfo=SHANGHAI)


def at(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def resumed(alice, kaili, cm, pm):
    """Submitted at T0, paused at T0+2h, resumed at T0+3h (all received by the server then)."""
    with at(T0):
        app = submitted(alice, kaili)
    with at(T0 + dt.timedelta(hours=2)):
        services.application_pause(application=app, reason="customer_not_ready", note="客户不在", actor=cm)
    with at(T0 + dt.timedelta(hours=3)):
        services.application_resume(application=app, actor=cm)
    return app


def last_event(app) -> Event:
    return app.events.order_by("-seq").first()


def test_a_device_time_before_the_previous_receipt_is_flagged_back_filled(resumed, cm):
    device_time = T0 + dt.timedelta(hours=2, minutes=30)  # before the resume reached the server
    with at(T0 + dt.timedelta(hours=4)):
        services.stage_complete(
            application=resumed, stage="apply", actor=cm, device_at=device_time, device_id="terminal-042"
        )
    event = last_event(resumed)
    assert event.backfilled is True
    assert event.device_at == device_time
    assert event.device_id == "terminal-042"
    assert event.occurred_at == device_time  # what the clocks count
    assert event.received_at == T0 + dt.timedelta(hours=4)  # the server's own time
    assert verify_all() == []


def test_a_device_time_after_the_previous_receipt_is_not_flagged(resumed, cm):
    device_time = T0 + dt.timedelta(hours=3, minutes=50)
    with at(T0 + dt.timedelta(hours=4)):
        services.stage_complete(
            application=resumed, stage="apply", actor=cm, device_at=device_time, device_id="terminal-042"
        )
    event = last_event(resumed)
    assert event.backfilled is False
    assert (event.device_at, event.received_at) == (device_time, T0 + dt.timedelta(hours=4))


def test_without_a_device_the_event_happens_when_the_server_receives_it(resumed, cm):
    with at(T0 + dt.timedelta(hours=4, microseconds=321)):
        services.stage_complete(application=resumed, stage="apply", actor=cm)
    event = last_event(resumed)
    assert event.backfilled is False
    assert event.device_at is None and event.device_id == ""
    assert event.occurred_at == event.received_at == T0 + dt.timedelta(hours=4, microseconds=321)


def test_received_at_is_the_servers_time_for_every_event(resumed, cm, pm):
    """Whatever time a terminal claims, each event's receipt time is the server's clock at that moment."""
    moments = [T0 + dt.timedelta(hours=5), T0 + dt.timedelta(days=1, hours=1)]
    with at(moments[0]):
        services.stage_complete(
            application=resumed, stage="apply", actor=cm, device_at=T0 + dt.timedelta(hours=1), device_id="t-1"
        )
    with at(moments[1]):
        services.stage_complete(
            application=resumed,
            stage="connect",
            actor=pm,
            device_at=moments[1] - dt.timedelta(minutes=1),
            device_id="t-2",
        )
    received = list(resumed.events.order_by("seq").values_list("received_at", flat=True))
    assert received[-2:] == moments
    assert received == sorted(received)
    assert list(resumed.events.filter(backfilled=True).values_list("device_id", flat=True)) == ["t-1"]


def test_a_device_clock_ahead_of_the_server_is_refused(resumed, cm):
    with at(T0 + dt.timedelta(hours=4)), pytest.raises(ServiceError):
        services.stage_complete(
            application=resumed, stage="apply", actor=cm, device_at=T0 + dt.timedelta(hours=5), device_id="t"
        )
    assert last_event(resumed).type == "resumed"  # nothing recorded


def test_the_back_filled_flag_is_covered_by_the_hash(resumed, cm):
    with at(T0 + dt.timedelta(hours=4)):
        services.stage_complete(
            application=resumed, stage="apply", actor=cm, device_at=T0 + dt.timedelta(hours=1), device_id="t"
        )
    Event.objects.filter(pk=last_event(resumed).pk).update(backfilled=False)  # hiding the back-fill
    assert [no for no, _ in verify_all()] == [resumed.no]
