"""`manage.py timeline verify` names every application whose chain was tampered with in the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from bandian.applications.integrity import HASHED_FIELDS, verify, verify_all
from bandian.applications.models import Application, Event
from bandian.applications.timeline import (
    GENESIS,
    StoredEvent,
    chain_hash,
    event_content,
    verify_chain,
)
from tests.timeline.conftest import run_timeline


def content_of(event: Event, **changes: Any) -> dict[str, Any]:
    """The canonical content of a stored event, as a forger who knows the algorithm computes it."""
    fields = {
        "application_no": event.application.no,
        "application_id": event.application_id,
        "seq": event.seq,
        "type": event.type,
        "stage": event.stage,
        "reason": event.reason,
        "note": event.note,
        "evidence": event.evidence.name or "",
        "evidence_sha256": event.evidence_sha256,
        "actor_id": event.actor_id,
        "occurred_at": event.occurred_at,
        "received_at": event.received_at,
        "device_at": event.device_at,
        "device_id": event.device_id,
        "backfilled": event.backfilled,
        "data": event.data,
        "prev_hash": event.prev_hash,
    }
    fields.update(changes)
    return event_content(**fields)


def event(app: Application, seq: int) -> Event:
    return Event.objects.get(application=app, seq=seq)


def assert_fails_naming(*apps: Application) -> str:
    code, out = run_timeline("verify")
    assert code != 0, out
    for app in apps:
        assert app.no in out
    return out


def test_an_untouched_timeline_verifies_with_a_one_line_summary(history, bystander):
    code, out = run_timeline("verify")
    assert code == 0
    assert out.strip().count("\n") == 0
    assert out.startswith("OK: 2 applications, 10 events verified")
    assert verify_all() == []


def test_every_stored_hash_is_the_hash_of_its_canonical_content(history):
    """The fast streamed check and the plain reference implementation agree on real chains."""
    events = list(Event.objects.filter(application=history).order_by("seq"))
    stored = [StoredEvent(content=content_of(e), hash=e.hash) for e in events]
    for e, s in zip(events, stored, strict=True):
        assert chain_hash(e.prev_hash, s.content) == e.hash
    assert verify_chain(stored, event_count=history.event_count, head_hash=history.head_hash) is None
    assert events[0].prev_hash == GENESIS


def test_the_hash_covers_every_stored_field_of_an_event():
    stored = {f.attname for f in Event._meta.concrete_fields} - {"id", "hash"}
    assert stored == HASHED_FIELDS
    assert set(TAMPERS) == {f.name for f in Event._meta.concrete_fields} - {"id"}


# How to change each stored field of event 6 (the paused event, from a terminal, with evidence).
TAMPERS: dict[str, Callable[[Event, Application], dict[str, Any]]] = {
    "application": lambda e, other: {"application_id": other.pk, "seq": other.event_count + 1},
    "seq": lambda e, other: {"seq": 60},
    "type": lambda e, other: {"type": "resumed"},
    "stage": lambda e, other: {"stage": "connect"},
    "reason": lambda e, other: {"reason": "customer_works"},
    "note": lambda e, other: {"note": e.note + " "},
    "evidence": lambda e, other: {"evidence": "evidence/2026/09/other.pdf"},
    "evidence_sha256": lambda e, other: {"evidence_sha256": "0" * 64},
    "actor": lambda e, other: {"actor_id": other.applicant_id},
    "occurred_at": lambda e, other: {"occurred_at": e.occurred_at + dt.timedelta(microseconds=1)},
    "received_at": lambda e, other: {"received_at": e.received_at - dt.timedelta(hours=1)},
    "device_at": lambda e, other: {"device_at": None},
    "device_id": lambda e, other: {"device_id": "terminal-008"},
    "backfilled": lambda e, other: {"backfilled": not e.backfilled},
    "data": lambda e, other: {"data": {"kind": "forged"}},
    "prev_hash": lambda e, other: {"prev_hash": "f" * 64},
    "hash": lambda e, other: {"hash": "e" * 64},
}


@pytest.mark.parametrize("field", sorted(TAMPERS))
def test_changing_any_stored_field_of_an_event_is_detected(history, bystander, field):
    paused = event(history, 6)
    assert paused.evidence and paused.device_at and paused.device_id and paused.note
    Event.objects.filter(pk=paused.pk).update(**TAMPERS[field](paused, bystander))

    out = assert_fails_naming(history)
    if field != "application":
        assert bystander.no not in out  # the others still verify
    problems = dict(verify_all())
    assert history.no in problems


def test_changing_a_field_and_recomputing_that_events_hash_breaks_the_next_link(history, bystander):
    """A forger who rehashes the changed event still leaves the next event pointing at the old hash."""
    paused = event(history, 6)
    new = content_of(paused, note="客户原因（改）")
    Event.objects.filter(pk=paused.pk).update(note="客户原因（改）", hash=chain_hash(paused.prev_hash, new))
    out = assert_fails_naming(history)
    assert "event 7 does not follow event 6" in out


def test_deleting_an_event_in_the_middle_is_detected(history, bystander):
    event(history, 4).delete()
    out = assert_fails_naming(history)
    assert "event 4 is missing" in out
    assert bystander.no not in out


def test_deleting_the_last_event_is_detected(history, bystander):
    event(history, history.event_count).delete()
    out = assert_fails_naming(history)
    assert f"holds {history.event_count - 1} events but the application recorded {history.event_count}" in out


def test_deleting_the_last_event_and_rewinding_the_head_is_detected_by_the_anchor(history, bystander):
    """Everything inside the database made consistent again: only the anchor remembers."""
    assert run_timeline("anchor")[0] == 0
    last = event(history, history.event_count)
    last.delete()
    Application.objects.filter(pk=history.pk).update(event_count=last.seq - 1, head_hash=last.prev_hash)
    code, out = run_timeline("verify")
    assert code != 0
    assert "anchor" in out and "history before the anchor was changed" in out


def test_deleting_every_event_of_an_application_is_detected(history, bystander):
    Event.objects.filter(application=history).delete()
    out = assert_fails_naming(history)
    assert "all its events are missing" in out


def _shift_up_from(app: Application, seq: int) -> None:
    for e in Event.objects.filter(application=app, seq__gte=seq).order_by("-seq"):
        Event.objects.filter(pk=e.pk).update(seq=e.seq + 1)


def test_inserting_an_event_in_the_middle_with_the_later_ones_shifted_is_detected(history, bystander):
    before = event(history, 5)
    _shift_up_from(history, 6)
    forged = Event(
        application=history,
        seq=6,
        type="resumed",
        occurred_at=before.occurred_at,
        received_at=before.received_at,
        prev_hash=before.hash,
    )
    forged.hash = chain_hash(before.hash, content_of(forged))
    forged.save()
    Application.objects.filter(pk=history.pk).update(event_count=history.event_count + 1)

    out = assert_fails_naming(history)
    assert "event 7" in out  # the first event after the forged one no longer fits
    assert bystander.no not in out


def test_inserting_a_forged_event_with_a_plausible_hash_at_the_end_is_detected(history, bystander):
    last = event(history, history.event_count)
    forged = Event(
        application=history,
        seq=last.seq + 1,
        type="stage_completed",
        stage="connect",
        occurred_at=last.occurred_at + dt.timedelta(hours=1),
        received_at=last.received_at + dt.timedelta(hours=1),
        prev_hash=last.hash,
    )
    forged.hash = chain_hash(last.hash, content_of(forged))
    forged.save()

    out = assert_fails_naming(history)
    assert f"holds {history.event_count + 1} events but the application recorded {history.event_count}" in out


def test_rewriting_history_consistently_before_the_anchor_is_detected(history, bystander):
    """A forger who rehashes every later event and the head: the chain verifies, the anchor does not."""
    run_timeline("anchor")
    prev = event(history, 5).hash
    for e in Event.objects.filter(application=history, seq__gte=6).order_by("seq"):
        changes = {"note": "改写的说明"} if e.seq == 6 else {}
        new_hash = chain_hash(prev, content_of(e, prev_hash=prev, **changes))
        Event.objects.filter(pk=e.pk).update(prev_hash=prev, hash=new_hash, **changes)
        prev = new_hash
    Application.objects.filter(pk=history.pk).update(head_hash=prev)
    assert verify(application_no=history.no).ok  # consistent in itself…

    code, out = run_timeline("verify")  # …but not with the published anchor
    assert code != 0
    assert "history before the anchor was changed" in out


@pytest.mark.parametrize(
    "change",
    [{"head_hash": "a" * 64}, {"head_hash": ""}, {"event_count": 3}],
    ids=["head_hash", "head_hash_blank", "event_count"],
)
def test_changing_the_applications_recorded_head_is_detected(history, bystander, change):
    Application.objects.filter(pk=history.pk).update(**change)
    assert_fails_naming(history)


def test_changing_the_application_number_is_detected(history, bystander):
    Application.objects.filter(pk=history.pk).update(no="QDN-2026-999999")
    assert_fails_naming(Application.objects.get(pk=history.pk))


def test_every_tampered_application_is_named(history, bystander):
    event(history, 3).delete()
    Event.objects.filter(application=bystander, seq=1).update(note="!")
    out = assert_fails_naming(history, bystander)
    assert "2 of 2 chains do not verify" in out


def test_one_application_can_be_verified_on_its_own(history, bystander):
    Event.objects.filter(application=bystander, seq=1).update(note="!")
    code, out = run_timeline("verify", "--application", history.no)
    assert code == 0 and "1 applications" in out
    code, out = run_timeline("verify", "--application", bystander.no)
    assert code == 1 and bystander.no in out


def test_an_unknown_application_number_is_an_error_not_a_crash(db):
    code, out = run_timeline("verify", "--application", "QDN-1999-000001")
    assert code == 2 and "QDN-1999-000001" in out


def test_the_command_needs_an_action(db):
    code, out = run_timeline()
    assert code != 0 and "verify" in out


def test_verify_runs_in_a_fixed_number_of_queries(history, bystander, django_assert_max_num_queries):
    """The same handful of queries however many applications and events there are."""
    with django_assert_max_num_queries(6):
        assert verify_all() == []


def test_event_data_survives_the_databases_json_round_trip(history):
    """Numbers, nesting and non-ASCII text in `data` read back (jsonb on PostgreSQL) hash the same."""
    from bandian.applications import services
    from bandian.applications.enums import EventType

    services.record_event(
        history,
        EventType.VISIT,
        actor=None,
        note='引号 " 和反斜杠 \\',
        data={"kw": 80.0, "share": 0.25, "big": 1e20, "nested": {"b": [1.0, 2, None], "a": "凯里"}, "ok": True},
    )
    assert verify_all() == []
