"""Staff endpoints: the county's queue and the field actions of mobile terminals."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from bandian.applications import services
from bandian.applications.models import Event
from bandian.core.time import SHANGHAI
from tests.api.conftest import BASE, bearer, post_json
from tests.conftest import PDF, client_for, draft, submitted


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def test_the_queue_lists_the_countys_open_applications_by_step_due_time_with_marks(
    alice, bob, kaili, cm, pm, cm_elsewhere
):
    from bandian.accounts.models import County

    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        early = submitted(alice, kaili)  # apply due 2026-03-03 09:00
    with time_machine.travel(at(2026, 3, 2, 12), tick=False):
        late = submitted(bob, kaili)  # apply due 2026-03-03 12:00
    with time_machine.travel(at(2026, 3, 3, 8), tick=False):
        paused = submitted(bob, kaili, address="凯里市韶山南路 2 号")
        services.application_pause(application=paused, reason="customer_works", note="自建工程未完工", actor=cm)
        energised = submitted(alice, kaili, address="凯里市宁波路 3 号")
        services.stage_complete(application=energised, stage="apply", actor=cm)
        services.stage_complete(application=energised, stage="connect", actor=pm)
        submitted(alice, County.objects.get(pk="522622"))  # another county
        draft(alice, kaili)

    with time_machine.travel(at(2026, 3, 3, 10), tick=False):
        response = bearer(cm).get(f"{BASE}/queue")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["no"] for i in items] == [early.no, late.no, paused.no]
    assert response.json()["count"] == 3
    first, second, third = items
    assert first["overdue"] is True and first["nearly_due"] is False
    # 22 h of the 24 h used: at least 80 %.
    assert second["overdue"] is False and second["nearly_due"] is True
    assert second["stage_used_share"] == round(22 / 24, 3)
    assert third["paused"] is True and third["overdue"] is False and third["stage_due_at"] is None
    assert first["applicant_name"] == alice.display_name

    with time_machine.travel(at(2026, 3, 3, 10), tick=False):
        elsewhere = bearer(cm_elsewhere).get(f"{BASE}/queue").json()
    assert elsewhere["count"] == 1


def test_the_queue_is_for_county_staff_only(alice, supervisor, admin_user, pm, counter):
    for user in (alice, supervisor, admin_user):
        response = client_for(user).get(f"{BASE}/queue")
        assert response.status_code == 403
        assert response.json()["detail"]
    for user in (pm, counter):
        assert client_for(user).get(f"{BASE}/queue").status_code == 200


def test_the_queue_costs_the_same_queries_for_one_or_many(alice, kaili, cm, pm, django_assert_max_num_queries):
    client = bearer(cm)
    submitted(alice, kaili)
    client.get(f"{BASE}/queue")  # warm the calendar cache
    with django_assert_max_num_queries(3):  # token, count, page
        client.get(f"{BASE}/queue")
    for n in range(3):
        submitted(alice, kaili, address=f"凯里市 {n} 号")
    with django_assert_max_num_queries(3):
        assert len(client.get(f"{BASE}/queue").json()["items"]) == 4


def test_a_step_completed_with_a_device_time_keeps_both_times(alice, kaili, cm, pm):
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        app = submitted(alice, kaili)
    with time_machine.travel(at(2026, 3, 2, 11), tick=False):
        response = post_json(
            bearer(cm),
            f"{BASE}/{app.no}/complete-step",
            {"stage": "apply", "device_time": "2026-03-02T10:30:00+08:00", "device_id": "PDA-1", "note": "现场受理"},
        )
    assert response.status_code == 200, response.json()
    assert response.json()["current_stage"] == "connect"
    assert response.json()["received_at"] == "2026-03-02T11:00:00+08:00"
    event = Event.objects.get(application=app, type="stage_completed")
    assert (event.device_at, event.received_at, event.occurred_at) == (
        at(2026, 3, 2, 10, 30),
        at(2026, 3, 2, 11),
        at(2026, 3, 2, 10, 30),
    )
    assert event.device_id == "PDA-1" and event.actor == cm and event.note == "现场受理"


def test_a_device_time_in_the_future_is_refused(alice, kaili, cm, pm):
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        app = submitted(alice, kaili)
        response = post_json(
            bearer(cm), f"{BASE}/{app.no}/complete-step", {"stage": "apply", "device_time": "2026-03-02T12:00:00+08:00"}
        )
    assert response.status_code == 400
    assert "终端时间" in response.json()["detail"]
    assert not Event.objects.filter(application=app, type="stage_completed").exists()


def test_a_device_time_before_the_submission_is_refused(alice, kaili, cm, pm):
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        app = submitted(alice, kaili)
    with time_machine.travel(at(2026, 3, 3, 9), tick=False):
        response = post_json(
            bearer(cm), f"{BASE}/{app.no}/complete-step", {"stage": "apply", "device_time": "2026-03-01T12:00:00+08:00"}
        )
    assert response.status_code == 400
    assert "早于申请提交时间" in response.json()["detail"]


def test_a_device_time_without_an_offset_is_422(alice, kaili, cm, pm):
    app = submitted(alice, kaili)
    response = post_json(
        bearer(cm), f"{BASE}/{app.no}/complete-step", {"stage": "apply", "device_time": "2026-03-02T10:00"}
    )
    assert response.status_code == 422
    assert "device_time" in response.json()["detail"]


def test_completing_a_step_out_of_turn_is_a_conflict(alice, kaili, cm, pm):
    app = submitted(alice, kaili)
    response = post_json(bearer(pm), f"{BASE}/{app.no}/complete-step", {"stage": "connect"})
    assert response.status_code == 409
    assert "当前环节是“受理申请”" in response.json()["detail"]


def test_a_step_the_policy_does_not_list_is_refused(alice, kaili, cm, pm):
    app = submitted(alice, kaili)
    response = post_json(bearer(cm), f"{BASE}/{app.no}/complete-step", {"stage": "plan"})
    assert response.status_code == 400
    assert "没有“plan”环节" in response.json()["detail"]


def test_pause_with_a_policy_reason_evidence_and_a_file_then_resume(alice, kaili, cm, pm):
    app = submitted(alice, kaili)
    client = bearer(cm)
    response = client.post(
        f"{BASE}/{app.no}/pause",
        {
            "reason": "awaiting_document",
            "note": "客户房产证明正在补办",
            "device_id": "PDA-2",
            "evidence": SimpleUploadedFile("photo.pdf", PDF),
        },
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "paused"
    event = Event.objects.get(application=app, type="paused")
    assert event.reason == "awaiting_document" and event.note == "客户房产证明正在补办"
    assert event.evidence_sha256 and event.device_id == "PDA-2"

    again = client.post(f"{BASE}/{app.no}/pause", {"reason": "customer_works", "note": "又暂停"})
    assert again.status_code == 409

    resumed = post_json(client, f"{BASE}/{app.no}/resume", {"note": "资料已补齐"})
    assert resumed.status_code == 200
    assert resumed.json()["status"] == "in_progress"
    assert post_json(client, f"{BASE}/{app.no}/resume", {}).status_code == 409


def test_pause_accepts_only_the_policys_reasons_and_needs_evidence(alice, kaili, cm, pm):
    app = submitted(alice, kaili)
    client = bearer(cm)
    unknown = client.post(f"{BASE}/{app.no}/pause", {"reason": "staff_on_holiday", "note": "休假"})
    assert unknown.status_code == 400
    assert "客户原因" in unknown.json()["detail"]
    no_note = client.post(f"{BASE}/{app.no}/pause", {"reason": "customer_works"})
    assert no_note.status_code == 422
    assert not Event.objects.filter(application=app, type="paused").exists()


def test_visits_are_recorded_by_county_staff_including_the_counter(alice, kaili, cm, pm, counter):
    app = submitted(alice, kaili)
    response = post_json(
        bearer(counter),
        f"{BASE}/{app.no}/visit",
        {"note": "客户到营业厅补签合同", "device_time": None, "device_id": "COUNTER-3"},
    )
    assert response.status_code == 200, response.json()
    assert Event.objects.filter(application=app, type="visit", device_id="COUNTER-3").count() == 1
    assert client_for(alice).get(f"{BASE}/{app.no}").json()["visits"] == 1


def test_cancel_needs_a_reason_and_closes_the_application(alice, kaili, cm, pm):
    app = submitted(alice, kaili)
    client = bearer(cm)
    assert post_json(client, f"{BASE}/{app.no}/cancel", {"reason": ""}).status_code == 422
    response = post_json(client, f"{BASE}/{app.no}/cancel", {"reason": "客户重复申请"})
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert post_json(client, f"{BASE}/{app.no}/complete-step", {"stage": "apply"}).status_code == 409


def test_actions_on_a_draft_are_conflicts(alice, kaili, cm):
    app = draft(alice, kaili)
    response = post_json(bearer(cm), f"{BASE}/{app.no}/complete-step", {"stage": "apply"})
    assert response.status_code == 409
    assert response.json()["detail"] == "申请尚未提交"


def test_a_pause_form_with_an_empty_device_time_means_none(alice, kaili, cm, pm):
    app = submitted(alice, kaili)
    response = bearer(cm).post(
        f"{BASE}/{app.no}/pause", {"reason": "customer_works", "note": "施工中", "device_time": "", "device_id": ""}
    )
    assert response.status_code == 200, response.json()
    assert Event.objects.get(application=app, type="paused").device_at is None


def test_a_pause_form_carries_the_device_time(alice, kaili, cm, pm):
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        app = submitted(alice, kaili)
    with time_machine.travel(at(2026, 3, 2, 11), tick=False):
        response = bearer(cm).post(
            f"{BASE}/{app.no}/pause",
            {
                "reason": "customer_works",
                "note": "施工中",
                "device_time": "2026-03-02T10:00:00+08:00",
                "device_id": "P",
            },
        )
    assert response.status_code == 200, response.json()
    event = Event.objects.get(application=app, type="paused")
    assert event.device_at == at(2026, 3, 2, 10) and event.received_at == at(2026, 3, 2, 11)
