"""The dispatch systems' API: bearer tokens, county-scoped, the rules named in a 400, nothing
changed by a refused call."""

from __future__ import annotations

import pytest
from django.test import Client

from bandian.accounts.models import Role
from bandian.notify.models import Message
from bandian.outages import faults
from bandian.outages.models import Notice, PlannedOutage, ProgressStep
from tests.api.conftest import bearer, post_json
from tests.conftest import make_user
from tests.outnotice.conftest import at

pytestmark = pytest.mark.django_db
URL = "/api/v1/outages"


def body(**extra):
    return {
        "feeder": "F1", "transformers": ["T1"], "start": at(8).isoformat(), "end": at(8, 4).isoformat(),
        "works": "更换T1配变", "temporary": False,
    } | extra  # fmt: skip


def test_a_dispatch_system_announces_a_planned_outage(grid, operator):
    answer = post_json(bearer(operator), f"{URL}/planned", body())
    assert answer.status_code == 201, answer.content
    data = answer.json()
    assert data["customers_notified"] == 2 and data["reference"].startswith("JH-2026-")
    plan = PlannedOutage.objects.get(reference=data["reference"])
    assert "T1" in plan.area and plan.entered_by == operator


def test_a_local_time_without_an_offset_is_read_as_shanghai(grid, operator):
    answer = post_json(bearer(operator), f"{URL}/planned", body(start="2026-06-10T10:00:00", end="2026-06-10T12:00:00"))
    assert answer.status_code == 201
    assert PlannedOutage.objects.get().start == at(8)


def test_too_late_a_plan_is_a_400_naming_the_rule_and_nothing_is_sent(grid, operator):
    answer = post_json(bearer(operator), f"{URL}/planned", body(start=at(3).isoformat(), end=at(3, 2).isoformat()))
    assert answer.status_code == 400
    assert "提前 7 天" in answer.json()["detail"]
    assert not PlannedOutage.objects.exists() and not Message.objects.exists()


@pytest.mark.parametrize(
    ("change", "words"),
    [({"feeder": "NOPE"}, "NOPE"), ({"transformers": ["T9"]}, "T9"), ({"end": at(7).isoformat()}, "结束时间")],
)
def test_bad_input_is_a_clear_400(grid, operator, change, words):
    answer = post_json(bearer(operator), f"{URL}/planned", body(**change))
    assert answer.status_code == 400 and words in answer.json()["detail"]
    assert not PlannedOutage.objects.exists()


def test_a_malformed_body_is_a_422(grid, operator):
    answer = post_json(bearer(operator), f"{URL}/planned", {"feeder": "F1"})
    assert answer.status_code == 422 and "start" in answer.json()["detail"]


def test_outsiders_are_refused(grid, operator_elsewhere, db):
    assert post_json(Client(), f"{URL}/planned", body()).status_code == 401
    assert post_json(bearer(operator_elsewhere), f"{URL}/planned", body()).status_code == 403
    clerk = make_user("counter-kaili", Role.COUNTER, "522601")
    assert post_json(bearer(clerk), f"{URL}/planned", body()).status_code == 403
    assert not PlannedOutage.objects.exists()


def test_progress_and_the_notices_of_a_fault(grid, operator):
    event, _ = faults.fault_report(feeder=grid.feeder, cause="internal", start=at(hours=-1), actor=operator)
    client = bearer(operator)
    answer = post_json(client, f"{URL}/{event.reference}/progress", {"stage": "estimate",
                       "estimated_restoration": at(hours=4).isoformat(), "note": "已定位故障点"})  # fmt: skip
    assert answer.status_code == 200, answer.content
    assert answer.json()["users_still_out"] == 4 and answer.json()["estimated_restoration"].startswith(
        "2026-06-02T14:00"
    )
    answer = post_json(client, f"{URL}/{event.reference}/progress", {"stage": "restored"})
    assert answer.json()["closed"] is True and answer.json()["users_still_out"] == 0
    listed = client.get(f"{URL}/{event.reference}/notices")
    assert listed.status_code == 200
    messages = listed.json()["messages"]
    assert {m["customer"] for m in messages} == {"0601000001", "0601000002", "0601000003", "H1"}
    assert set(messages[0]) == {"customer", "channel", "status", "attempts", "sent_at", "delivered_at"}
    assert all(m["status"] in {"queued", "sent", "delivered", "failed"} for m in messages)


def test_bad_progress_is_refused_and_changes_nothing(grid, operator, operator_elsewhere):
    event, _ = faults.fault_report(feeder=grid.feeder, cause="internal", start=at(hours=-1), actor=operator)
    before = (Notice.objects.count(), ProgressStep.objects.count())
    url = f"{URL}/{event.reference}/progress"
    assert post_json(bearer(operator), url, {"stage": "flying"}).status_code == 400
    assert post_json(bearer(operator), url, {"stage": "estimate"}).status_code == 400
    assert post_json(bearer(operator), f"{URL}/TD-NOPE/progress", {"stage": "located"}).status_code == 404
    assert post_json(bearer(operator_elsewhere), url, {"stage": "located"}).status_code == 403
    assert post_json(Client(), url, {"stage": "located"}).status_code == 401
    assert (Notice.objects.count(), ProgressStep.objects.count()) == before


def test_progress_of_a_plan_not_yet_begun_is_a_409(grid, operator):
    reference = post_json(bearer(operator), f"{URL}/planned", body()).json()["reference"]
    answer = post_json(bearer(operator), f"{URL}/{reference}/progress", {"stage": "repairing"})
    assert answer.status_code == 409 and "尚未开始" in answer.json()["detail"]


def test_the_notices_are_for_the_county_and_the_supervisors(grid, operator, operator_elsewhere):
    reference = post_json(bearer(operator), f"{URL}/planned", body()).json()["reference"]
    supervisor = make_user("supervisor", Role.SUPERVISOR)
    assert bearer(supervisor).get(f"{URL}/{reference}/notices").status_code == 200
    assert bearer(operator_elsewhere).get(f"{URL}/{reference}/notices").status_code == 403
    assert Client().get(f"{URL}/{reference}/notices").status_code == 401
    applicant = make_user("13800000001", Role.APPLICANT, phone="13800000001")
    assert bearer(applicant).get(f"{URL}/{reference}/notices").status_code == 403
