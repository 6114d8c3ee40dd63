"""From a terminal's point of view: create, upload, submit, the staff's field actions, energised."""

from __future__ import annotations

import datetime as dt

import time_machine

from bandian.applications.models import Application, Event
from bandian.core.time import SHANGHAI
from tests.api.conftest import BASE, bearer, create_body, post_json
from tests.conftest import PDF, PNG


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def test_an_application_runs_from_creation_to_energisation_through_the_api(alice, cm, pm):
    applicant, customer_manager, project_manager = bearer(alice), bearer(cm), bearer(pm)

    with time_machine.travel(at(2026, 9, 30, 9), tick=False):
        created = post_json(applicant, f"{BASE}/", create_body())
        assert created.status_code == 201, created.json()
        no = created.json()["no"]
        assert created.json()["channel"] == "api"
        assert created.json()["status"] == "draft"
        for kind, content in (("id_card", PDF), ("property_proof", PNG)):
            upload = applicant.post(
                f"{BASE}/{no}/documents", {"kind": kind, "file": _file(kind, content)}, format="multipart"
            )
            assert upload.status_code == 201, upload.json()
    with time_machine.travel(at(2026, 9, 30, 10), tick=False):
        submitted = post_json(applicant, f"{BASE}/{no}/submit")
    assert submitted.status_code == 200, submitted.json()
    detail = submitted.json()
    assert detail["status"] == "in_progress"
    assert detail["current_stage"] == "apply"
    assert detail["customer_manager"]["username"] == "cm-kaili"
    assert detail["project_manager"]["username"] == "pm-kaili"
    # 5 working days over National Day (requirements §4 example).
    assert detail["due_at"] == "2026-10-13T10:00:00+08:00"
    assert [s["limit_workdays"] for s in detail["steps"]] == [1, 4]

    # The customer manager's terminal completes the first step, with its own clock, and the
    # server says when it received it.
    with time_machine.travel(at(2026, 9, 30, 16, 5), tick=False):
        done = post_json(
            customer_manager,
            f"{BASE}/{no}/complete-step",
            {"stage": "apply", "device_time": "2026-09-30T16:00:00+08:00", "device_id": "PDA-007"},
        )
    assert done.status_code == 200, done.json()
    assert done.json()["current_stage"] == "connect"
    assert done.json()["received_at"] == "2026-09-30T16:05:00+08:00"

    with time_machine.travel(at(2026, 10, 9, 15, 2), tick=False):
        energised = post_json(
            project_manager,
            f"{BASE}/{no}/complete-step",
            {"stage": "connect", "device_time": "2026-10-09T07:00:00Z", "device_id": "PDA-009"},
        )
    assert energised.status_code == 200, energised.json()
    assert energised.json()["status"] == "energised"

    with time_machine.travel(at(2026, 10, 10, 9), tick=False):
        detail = applicant.get(f"{BASE}/{no}").json()
    assert detail["status"] == "energised"
    assert detail["energised_at"] == "2026-10-09T15:00:00+08:00"
    # 14 h on Sep 30 + 24 h on Oct 8 + 15 h on Oct 9 = 53 h.
    assert round(detail["full_process_workdays"] * 24) == 53
    assert detail["limit_clock"] == "full_process"
    assert detail["limit_used_workdays"] == detail["full_process_workdays"]
    apply_step, connect_step = detail["steps"]
    assert round(apply_step["used_workdays"] * 24) == 6
    assert apply_step["completed_at"] == "2026-09-30T16:00:00+08:00"
    assert connect_step["completed_at"] == "2026-10-09T15:00:00+08:00"
    field_events = [e for e in detail["events"] if e["device_id"]]
    assert [(e["device_id"], e["received_at"]) for e in field_events] == [
        ("PDA-007", "2026-09-30T16:05:00+08:00"),
        ("PDA-009", "2026-10-09T15:02:00+08:00"),
    ]
    stored = Event.objects.get(application=Application.objects.get(no=no), device_id="PDA-009")
    assert stored.device_at == at(2026, 10, 9, 15)
    assert stored.received_at == at(2026, 10, 9, 15, 2)


def _file(kind: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(f"{kind}.bin", content)
