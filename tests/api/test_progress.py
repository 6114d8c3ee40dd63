"""The public progress query: no login, no personal data, no hint whether a number exists."""

from __future__ import annotations

import datetime as dt
import json

import time_machine
from django.test import Client

from bandian.applications import services
from bandian.applications.progress import PROGRESS_FAILURES_PER_CLIENT, PROGRESS_FAILURES_PER_NUMBER
from bandian.core.time import SHANGHAI
from tests.api.conftest import BASE
from tests.conftest import draft, submitted


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def progress(no: str, digits: str, client: Client | None = None, **extra):
    return (client or Client()).get(f"{BASE}/progress", {"no": no, "phone_last4": digits}, **extra)


def test_anyone_sees_the_steps_deadlines_and_status(alice, kaili, cm, pm):
    with time_machine.travel(at(2026, 9, 30, 10), tick=False):
        app = submitted(alice, kaili, applicant_name="爱丽丝", address="凯里市北京东路 88 号")
    with time_machine.travel(at(2026, 9, 30, 16), tick=False):
        services.stage_complete(application=app, stage="apply", actor=cm)
    response = progress(app.no, "0001")
    assert response.status_code == 200
    body = response.json()
    assert body["no"] == app.no
    assert body["status"] == "in_progress" and body["status_name"] == "办理中"
    assert body["current_stage"] == "connect"
    assert body["due_at"] == "2026-10-13T10:00:00+08:00"
    assert body["stage_due_at"] == "2026-10-12T16:00:00+08:00"  # Oct 10 is a make-up working day
    assert body["limit_workdays"] == 5 and body["limit_clock"] == "full_process"
    assert body["steps"] == [
        {"stage": "apply", "name": "受理申请", "limit_workdays": 1, "state": "done"},
        {"stage": "connect", "name": "装表接电", "limit_workdays": 4, "state": "current"},
    ]
    assert body["county_name"] == "凯里市"


def test_no_personal_data_is_shown(alice, kaili, cm, pm):
    app = submitted(alice, kaili, address="凯里市北京东路 88 号", id_number="522601199001011234")
    text = progress(app.no, "0001").content.decode()
    for secret in ("13800000001", "北京东路", alice.username, "cm-kaili", "pm-kaili", app.applicant_ref):
        assert secret not in text
    assert set(json.loads(text)) == {
        "no",
        "customer_class",
        "customer_class_name",
        "county_name",
        "status",
        "status_name",
        "current_stage",
        "current_stage_name",
        "submitted_at",
        "stage_due_at",
        "due_at",
        "energised_at",
        "limit_clock",
        "limit_workdays",
        "steps",
    }


def test_a_wrong_number_and_wrong_digits_give_the_same_404(alice, kaili, cm, pm):
    app = submitted(alice, kaili)
    wrong_digits = progress(app.no, "9999")
    no_such = progress("QDN-2026-999999", "0001")
    assert wrong_digits.status_code == no_such.status_code == 404
    assert wrong_digits.content == no_such.content


def test_an_application_without_a_phone_is_never_found(alice, kaili, cm, pm):
    app = submitted(alice, kaili)
    type(app).objects.filter(pk=app.pk).update(phone="")
    assert progress(app.no, "0000").status_code == 404


def test_malformed_digits_are_422(alice, kaili):
    app = draft(alice, kaili)
    for digits in ("12", "12345", "abcd", "１２３４"):
        assert progress(app.no, digits).status_code == 422
    assert Client().get(f"{BASE}/progress").status_code == 422


def test_energised_and_closed_applications_show_what_was_done(alice, kaili, cm, pm):
    done = submitted(alice, kaili)
    services.stage_complete(application=done, stage="apply", actor=cm)
    services.stage_complete(application=done, stage="connect", actor=pm)
    assert [s["state"] for s in progress(done.no, "0001").json()["steps"]] == ["done", "done"]
    cancelled = submitted(alice, kaili, address="凯里市 2 号")
    services.stage_complete(application=cancelled, stage="apply", actor=cm)
    services.application_cancel(application=cancelled, actor=cm, note="客户重复申请")
    body = progress(cancelled.no, "0001").json()
    assert body["status"] == "cancelled"
    assert [s["state"] for s in body["steps"]] == ["done", "pending"]


def test_a_draft_is_not_found_like_an_unknown_number(alice, kaili):
    """Not yet submitted, a draft is no application to follow: the same 404 as an unknown number
    (as on the progress page), so a stranger cannot tell that the number has been given out."""
    app = draft(alice, kaili)
    response = progress(app.no, "0001")
    assert response.status_code == 404
    assert response.content == progress("QDN-2026-999999", "0001").content


def test_one_query_and_no_writes(alice, kaili, cm, pm, django_assert_num_queries):
    app = submitted(alice, kaili)
    with django_assert_num_queries(1):
        response = progress(app.no, "0001")
    assert response.status_code == 200
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies


def test_guessing_the_digits_of_one_number_is_stopped(alice, kaili, cm, pm):
    app = submitted(alice, kaili)
    for n in range(PROGRESS_FAILURES_PER_NUMBER):
        assert progress(app.no, f"{9000 + n:04d}").status_code == 404
    blocked = progress(app.no, "0001")  # even the right digits, now
    assert blocked.status_code == 429
    assert "过多" in blocked.json()["detail"]
    # Another number is not affected, from another address.
    other = submitted(alice, kaili, address="凯里市 9 号")
    assert progress(other.no, "0001", REMOTE_ADDR="10.0.0.9").status_code == 200


def test_one_address_guessing_many_numbers_is_stopped(alice, kaili, cm, pm):
    app = submitted(alice, kaili)
    for n in range(PROGRESS_FAILURES_PER_CLIENT):
        progress(f"QDN-2026-{n:06d}x", "1234", REMOTE_ADDR="10.0.0.66")
    assert progress(app.no, "0001", REMOTE_ADDR="10.0.0.66").status_code == 429
    assert progress(app.no, "0001", REMOTE_ADDR="10.0.0.67").status_code == 200


def test_honest_repeated_queries_are_never_throttled(alice, kaili, cm, pm):
    app = submitted(alice, kaili)
    for _ in range(PROGRESS_FAILURES_PER_NUMBER * 5):
        assert progress(app.no, "0001").status_code == 200


def test_the_answer_matches_its_published_schema(alice, kaili, cm, pm):
    from bandian.applications.schemas import ProgressOut

    running = submitted(alice, kaili)
    done = submitted(alice, kaili, address="凯里市 5 号")
    services.stage_complete(application=done, stage="apply", actor=cm)
    services.stage_complete(application=done, stage="connect", actor=pm)
    for app in (running, done):
        response = progress(app.no, "0001")
        assert response["Content-Type"].startswith("application/json")
        parsed = ProgressOut.model_validate(response.json())
        assert set(response.json()) == set(ProgressOut.model_fields)
        assert parsed.no == app.no


def _fresh_answer(app) -> dict:
    """The answer built now from the row, ignoring what the write path stored."""
    type(app).objects.filter(pk=app.pk).update(progress_key="")
    body = progress(app.no, "0001").json()
    return body


def test_the_stored_answer_is_the_answer_built_from_the_row(alice, kaili, cm, pm):
    with time_machine.travel(at(2026, 9, 30, 10, 0, 0), tick=False):
        running = submitted(alice, kaili)
        services.stage_complete(application=running, stage="apply", actor=cm)
    with time_machine.travel(at(2026, 9, 30, 11, 12, 13), tick=True):  # microseconds in every time
        paused = submitted(alice, kaili, "hv_single", capacity_kw=500, address="凯里市 2 号")
        services.application_pause(application=paused, reason="customer_works", note="施工", actor=cm)
        done = submitted(alice, kaili, address="凯里市 3 号")
        services.stage_complete(application=done, stage="apply", actor=cm)
        services.stage_complete(application=done, stage="connect", actor=pm)
        cancelled = submitted(alice, kaili, "lv_general", capacity_kw=50, address="凯里市 4 号")
        services.stage_complete(application=cancelled, stage="apply", actor=cm)
        services.application_cancel(application=cancelled, actor=cm, note="客户重复申请")
        withdrawn = submitted(alice, kaili, address="凯里市 5 号")
        services.application_withdraw(application=withdrawn, actor=alice)
    for app in (running, paused, done, cancelled, withdrawn):
        app.refresh_from_db()
        assert app.progress_answer, app.status
        stored = progress(app.no, "0001")
        assert stored.status_code == 200 and stored["Content-Type"] == "application/json"
        assert json.loads(app.progress_answer) == stored.json() == _fresh_answer(app)
    states = [s["state"] for s in json.loads(cancelled.progress_answer)["steps"]]
    assert states[0] == "done" and set(states[1:]) == {"pending"}


def test_a_row_changed_behind_the_write_path_is_answered_from_the_row(alice, kaili, cm, pm):
    app = submitted(alice, kaili)
    before = progress(app.no, "0001").json()
    later = app.due_at + dt.timedelta(days=3)
    type(app).objects.filter(pk=app.pk).update(due_at=later)  # e.g. a bulk fix, not through services
    after = progress(app.no, "0001").json()
    assert after["due_at"] != before["due_at"]
    assert dt.datetime.fromisoformat(after["due_at"]) == later.replace(microsecond=later.microsecond // 1000 * 1000)


def test_another_language_is_answered_in_that_language(alice, kaili):
    app = submitted(alice, kaili)
    assert progress(app.no, "0001").json()["status_name"] == "办理中"
    english = progress(app.no, "0001", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["status_name"] == "In progress"


def test_only_get_is_answered(alice, kaili):
    app = submitted(alice, kaili)
    response = Client().post(f"{BASE}/progress?no={app.no}&phone_last4=0001")
    assert response.status_code == 405 and response["Allow"] == "GET"
    # JSON like every other error of the API, not Django's plain text
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "POST" in response.json()["detail"] and "GET" in response.json()["detail"]


def test_the_route_served_is_the_one_documented(client):
    spec = client.get("/api/v1/openapi.json").json()
    operation = spec["paths"]["/api/v1/applications/progress"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"no", "phone_last4"}
    assert set(operation["responses"]) >= {"200", "404", "422", "429"}
