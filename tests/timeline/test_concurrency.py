"""Two people acting on one application at the same moment: one wins, the chain stays whole."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from bandian.applications import integrity, services
from bandian.applications.integrity import record_anchor, verify_all
from bandian.applications.models import Application, ChainAnchor, Event
from bandian.core.errors import ServiceError
from tests.conftest import submitted

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL"
)


def race(*actions: Callable[[], Any]) -> list[Any]:
    """Run the actions at once, each in its own thread with its own database connection."""
    barrier = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)

    def run(i: int, action: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = action()
        except Exception as exc:  # the outcome is what the test checks
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_staff_completing_the_same_step_at_once_exactly_one_succeeds(alice, kaili, cm, pm):
    app = submitted(alice, kaili)
    before = app.event_count

    def complete(user):
        return lambda: services.stage_complete(
            application=Application.objects.get(pk=app.pk), stage="apply", actor=user
        )

    outcomes = race(complete(cm), complete(pm))

    won = [o for o in outcomes if isinstance(o, Application)]
    refused = [o for o in outcomes if isinstance(o, ServiceError)]
    assert len(won) == 1 and len(refused) == 1, outcomes
    app.refresh_from_db()
    assert app.current_stage == "connect"
    assert app.event_count == before + 1
    assert app.events.filter(type="stage_completed", stage="apply").count() == 1
    assert verify_all() == []


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_many_changes_racing_each_other_and_the_anchor_keep_every_chain_and_the_anchor_valid(alice, bob, kaili, cm, pm):
    first = submitted(alice, kaili)
    second = submitted(bob, kaili, address="凯里市文化北路 3 号")

    def act(app_pk: int, user, note: str):
        return lambda: services.visit_record(application=Application.objects.get(pk=app_pk), actor=user, note=note)

    outcomes = race(
        act(first.pk, cm, "一"),
        act(first.pk, pm, "二"),
        act(second.pk, cm, "三"),
        act(second.pk, pm, "四"),
        lambda: record_anchor()[0],
    )
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert ChainAnchor.objects.count() == 1
    assert verify_all() == []  # the chains, and the anchor recomputed from them


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_large_database_is_verified_by_several_processes_with_the_same_findings(
    alice, bob, kaili, cm, pm, monkeypatch
):
    apps = [submitted(alice, kaili, address=f"凯里市北京东路 {n} 号") for n in range(1, 5)]
    apps.append(submitted(bob, kaili, address="凯里市文化北路 3 号"))
    record_anchor()
    Event.objects.filter(application=apps[1], seq=2).update(note="改")
    Event.objects.filter(application=apps[3], seq=apps[3].event_count).delete()
    monkeypatch.setattr(integrity, "PARALLEL_FROM_EVENTS", 0)

    parts = integrity._scan_in_parallel(None, 1000, 2)
    assert parts is not None and len(parts) == 2  # really split in two processes
    assert all(part.applications for part in parts)

    report = integrity.verify(workers=2)
    assert [no for no, _ in report.problems] == [apps[1].no, apps[3].no, f"anchor {ChainAnchor.objects.get().day}"]
    assert report.applications == 5
    assert report.problems == integrity.verify(workers=1).problems  # the same as in one process


@pytest.mark.django_db
def test_the_database_refuses_a_second_event_with_the_same_position(alice, kaili):
    app = submitted(alice, kaili)
    existing = app.events.get(seq=2)
    duplicate = Event(
        application=app,
        seq=2,
        type=existing.type,
        occurred_at=existing.occurred_at,
        received_at=existing.received_at,
        prev_hash=existing.prev_hash,
        hash=existing.hash,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()
    assert app.events.filter(seq=2).count() == 1
