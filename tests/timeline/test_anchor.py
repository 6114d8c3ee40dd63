"""The daily anchor: recorded once a Shanghai day by command or worker, published, never made by a GET."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.urls import reverse

from bandian.applications import services
from bandian.applications.models import Application, ChainAnchor, Event
from bandian.applications.tasks import record_daily_anchor
from bandian.applications.timeline import heads_digest
from bandian.core.time import SHANGHAI
from tests.conftest import client_for
from tests.timeline.conftest import run_timeline

LATE_EVENING = dt.datetime(2026, 11, 28, 23, 50, tzinfo=SHANGHAI)  # 15:50 UTC
AFTER_MIDNIGHT = dt.datetime(2026, 11, 29, 0, 15, tzinfo=SHANGHAI)  # still 28 November in UTC


def expected_digest() -> str:
    return heads_digest(Application.objects.order_by("no").values_list("no", "head_hash"))


def test_anchor_records_one_hash_over_all_chain_heads_with_counts(history, bystander):
    with time_machine.travel(LATE_EVENING, tick=False):
        code, out = run_timeline("anchor")
    assert code == 0
    anchor = ChainAnchor.objects.get()
    assert anchor.day == dt.date(2026, 11, 28)
    assert anchor.digest == expected_digest()
    assert (anchor.applications, anchor.events) == (2, Event.objects.count())
    assert anchor.last_event_id == Event.objects.order_by("-id").first().id
    assert anchor.digest in out and "recorded" in out


def test_anchor_is_idempotent_within_a_shanghai_day_and_new_the_next(history, bystander, cm):
    with time_machine.travel(LATE_EVENING, tick=False):
        run_timeline("anchor")
    first = ChainAnchor.objects.get()
    with time_machine.travel(LATE_EVENING + dt.timedelta(minutes=5), tick=False):
        services.stage_complete(application=history, stage="connect", actor=cm)
        code, out = run_timeline("anchor")
    assert code == 0 and "already recorded" in out
    assert list(ChainAnchor.objects.all()) == [first]
    assert ChainAnchor.objects.get().digest == first.digest  # unchanged by the second run

    with time_machine.travel(AFTER_MIDNIGHT, tick=False):  # the next day in Asia/Shanghai
        run_timeline("anchor")
    newest = ChainAnchor.objects.order_by("-day").first()
    assert newest.day == dt.date(2026, 11, 29)
    assert newest.digest == expected_digest() != first.digest


def test_events_recorded_after_the_anchor_keep_verifying(history, bystander, cm):
    run_timeline("anchor")
    services.stage_complete(application=history, stage="connect", actor=cm)
    code, out = run_timeline("verify")
    assert code == 0, out
    assert "matches" in out


def test_the_worker_task_records_the_same_anchor(history, bystander):
    with time_machine.travel(LATE_EVENING, tick=False):
        result = record_daily_anchor.enqueue()
        record_daily_anchor.enqueue()
    anchor = ChainAnchor.objects.get()
    assert result.return_value == anchor.digest == expected_digest()


def test_the_command_can_hand_the_anchor_to_the_worker(history, bystander):
    with time_machine.travel(LATE_EVENING, tick=False):
        code, out = run_timeline("anchor", "--enqueue")  # the tests' task backend runs it at once
    assert code == 0 and "enqueued" in out
    assert ChainAnchor.objects.get().digest == expected_digest()


def test_the_public_page_lists_the_anchors_with_an_explanation_for_anyone(history, bystander):
    with time_machine.travel(LATE_EVENING, tick=False):
        run_timeline("anchor")
    anchor = ChainAnchor.objects.get()
    response = client_for(None).get(reverse("disclosure:anchors"))
    assert response.status_code == 200
    page = response.content.decode()
    assert anchor.digest in page
    assert "2026-11-28" in page
    assert "SHA-256" in page and "申请编号:链头" in page  # how to check it
    assert "manage.py timeline verify" in page


def test_viewing_the_anchors_never_records_one(history, alice):
    assert client_for(None).get(reverse("disclosure:anchors")).status_code == 200
    assert client_for(alice).get(reverse("disclosure:anchors")).status_code == 200
    assert client_for(None).get("/api/v1/public/anchors").status_code == 200
    assert not ChainAnchor.objects.exists()
    assert "还没有记录锚定值" in client_for(None).get(reverse("disclosure:anchors")).content.decode()


def test_the_anchors_page_and_api_refuse_to_change_anything(history):
    assert client_for(None).post(reverse("disclosure:anchors")).status_code == 405
    assert client_for(None).post("/api/v1/public/anchors").status_code == 405
    assert not ChainAnchor.objects.exists()


def test_the_api_lists_the_anchors_newest_first(history, bystander):
    with time_machine.travel(LATE_EVENING, tick=False):
        run_timeline("anchor")
    with time_machine.travel(AFTER_MIDNIGHT, tick=False):
        run_timeline("anchor")
    response = client_for(None).get("/api/v1/public/anchors")
    assert response.status_code == 200
    body = response.json()
    assert [item["day"] for item in body] == ["2026-11-29", "2026-11-28"]
    assert body[0]["digest"] == expected_digest()
    assert body[0]["applications"] == 2
    assert body[0]["events"] == Event.objects.count()


def test_the_anchors_page_shows_one_query_for_many_anchors(db, django_assert_max_num_queries):
    for day in range(1, 4):
        ChainAnchor.objects.create(day=dt.date(2026, 11, day), digest=f"{day}" * 64, applications=1, events=1)
    with django_assert_max_num_queries(3):
        response = client_for(None).get(reverse("disclosure:anchors"))
    assert response.content.decode().count("<tr>") == 4  # the header and three anchors
