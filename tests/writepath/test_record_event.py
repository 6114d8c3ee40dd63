"""record_event: the one write path of an application (lock, check, append, derive, notify)."""

from __future__ import annotations

import datetime as dt
import inspect

import pytest
import time_machine

from bandian.applications import services
from bandian.applications.enums import EventType, Status
from bandian.applications.integrity import verify_all
from bandian.core.errors import ServiceError, StateConflict
from bandian.core.time import SHANGHAI
from bandian.notify.models import Message
from tests.conftest import submitted

MONDAY = dt.datetime(2026, 9, 28, 9, 0, tzinfo=SHANGHAI)


def test_everything_but_the_application_and_the_type_is_keyword_only():
    params = inspect.signature(services.record_event).parameters
    positional = [p.name for p in params.values() if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    assert positional == ["application", "type"]
    assert "at" in params and params["at"].kind is inspect.Parameter.KEYWORD_ONLY


def test_an_event_at_an_earlier_time_counts_from_that_time_and_is_received_now(alice, kaili, cm, pm):
    with time_machine.travel(MONDAY, tick=False):
        app = submitted(alice, kaili)
    done_at = MONDAY + dt.timedelta(hours=3)
    with time_machine.travel(MONDAY + dt.timedelta(days=2), tick=False):
        event = services.record_event(app, EventType.STAGE_COMPLETED, actor=cm, stage="apply", at=done_at)
    assert event.occurred_at == done_at
    assert event.received_at == MONDAY + dt.timedelta(days=2)
    app.refresh_from_db()
    assert app.current_stage == "connect"  # derived from the timeline
    assert app.head_hash == event.hash and app.event_count == event.seq
    assert verify_all() == []


def test_the_applicant_is_told_and_the_managers_on_submission(alice, kaili, cm, pm):
    with time_machine.travel(MONDAY, tick=False):
        app = submitted(alice, kaili)
    recipients = set(Message.objects.filter(application_id=app.pk).values_list("recipient__username", flat=True))
    assert {alice.username, cm.username, pm.username} <= recipients
    kinds = list(app.events.order_by("seq").values_list("type", flat=True))
    assert kinds[-2:] == [EventType.SUBMITTED, EventType.ASSIGNED]


def test_history_recorded_after_the_fact_tells_nobody(alice, kaili, cm, pm):
    with time_machine.travel(MONDAY, tick=False):
        app = submitted(alice, kaili)
        before = Message.objects.count()
        services.record_event(
            app, EventType.PAUSED, actor=cm, reason="customer_not_ready", note="未完工", notify_people=False
        )
    assert Message.objects.count() == before


@pytest.mark.parametrize(
    "kind, changes, message",
    [
        (EventType.RESUMED, {}, "没有暂停"),
        (EventType.STAGE_COMPLETED, {"stage": "connect"}, "当前环节"),
        (EventType.PAUSED, {"reason": "weather", "note": "雨"}, "客户原因"),
        (EventType.CANCELLED, {"note": "  "}, "理由"),
        (EventType.ASSIGNED, {}, "自动指派"),
    ],
)
def test_an_event_the_state_or_the_policy_refuses_appends_nothing(alice, kaili, cm, pm, kind, changes, message):
    with time_machine.travel(MONDAY, tick=False):
        app = submitted(alice, kaili)
    count, head = app.event_count, app.head_hash
    with pytest.raises(ServiceError, match=message):
        services.record_event(app, kind, actor=cm, **changes)
    app.refresh_from_db()
    assert (app.event_count, app.head_hash, app.status) == (count, head, Status.IN_PROGRESS)
    assert app.events.count() == count


def test_nothing_happens_to_a_closed_application(alice, kaili, cm, pm):
    with time_machine.travel(MONDAY, tick=False):
        app = submitted(alice, kaili)
        services.application_cancel(application=app, actor=cm, note="客户放弃")
        with pytest.raises(StateConflict, match="已结束"):
            services.record_event(app, EventType.VISIT, actor=cm, note="到厅")
