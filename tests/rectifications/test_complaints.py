"""Complaints (12398 / 95598): entered or imported, linked, on the policy's limits, answered,
upheld ones on the rectification list; duplicates refused; personal data for handlers only."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from bandian.core.errors import ServiceError, StateConflict
from bandian.core.time import SHANGHAI
from bandian.supervision import complaints
from bandian.supervision.models import Complaint, Rectification, Source
from tests.conftest import client_for, submitted
from tests.rectifications.conftest import bearer

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 6, 1, 9, tzinfo=SHANGHAI)  # a Monday


def receive(**kw):
    values = {
        "hotline": "12398",
        "ticket": "NEA-2026-0001",
        "received_at": NOW,
        "category": "connection_time",
        "text": "报装一个月还没通电",
        "phone": "13800000001",
        "actor": None,
        "at": NOW,
    }
    return complaints.complaint_receive(**(values | kw))


def test_linked_by_number_or_by_phone_and_address(alice, kaili, staffed):
    with time_machine.travel(NOW - dt.timedelta(days=20), tick=False):
        app = submitted(alice, kaili, address="凯里市 北京东路 8 号")
    by_no = receive(application_no=app.no)
    assert by_no.application == app and by_no.county_id == "522601" and by_no.complainant == alice
    by_phone = receive(ticket="NEA-2026-0002", address="凯里市北京东路8号", phone=alice.phone)
    assert by_phone.application == app
    unlinked = receive(ticket="NEA-2026-0003", phone="13900000000", address="别处")
    assert unlinked.application is None and unlinked.county is None
    with pytest.raises(ServiceError):
        receive(ticket="NEA-2026-0004", application_no="QDN-NOPE")


def test_the_limits_follow_the_policy_and_its_calendars(cm, supervisor):
    c = receive()
    # 7 working days from Monday 1 June 2026: Wednesday 10 June (end of day).
    assert c.accept_due == dt.datetime(2026, 6, 10, 23, 59, 59, tzinfo=SHANGHAI)
    c = complaints.complaint_decide(c, accept=True, note="", actor=supervisor, at=NOW + dt.timedelta(days=2))
    assert c.answer_due == NOW + dt.timedelta(days=60)
    c = complaints.complaint_extend(c, reason="需现场核查", actor=supervisor, at=NOW + dt.timedelta(days=50))
    assert c.answer_due == NOW + dt.timedelta(days=90)
    with pytest.raises(StateConflict):
        complaints.complaint_extend(c, reason="再次延期", actor=supervisor, at=NOW + dt.timedelta(days=55))
    assert complaints.is_overdue(c, now=NOW + dt.timedelta(days=91))


def test_an_upheld_complaint_opens_a_rectification_item(supervisor):
    c = receive()
    complaints.complaint_decide(c, accept=True, note="", actor=supervisor, at=NOW)
    c = complaints.complaint_answer(
        c, answer="经核实属实，已督促整改", upheld=True, actor=supervisor, at=NOW + dt.timedelta(days=5)
    )
    assert complaints.answered_in_time(c) is True
    item = Rectification.objects.get(source=Source.COMPLAINT)
    assert item.subject == "NEA-2026-0001" and item.unit == "utility"
    with pytest.raises(StateConflict):
        complaints.complaint_answer(c, answer="again", upheld=True, actor=supervisor, at=NOW)


def test_duplicates_and_bad_input_are_refused_and_change_nothing(supervisor, alice):
    receive()
    with pytest.raises(StateConflict):
        receive(text="再投诉一次")
    for bad in ({"hotline": "110"}, {"category": "nonsense"}, {"text": ""}, {"phone": "abc"},
                {"received_at": NOW + dt.timedelta(days=3)}):  # fmt: skip
        with pytest.raises(ServiceError):
            receive(ticket="X-1", **bad)
    with pytest.raises(ServiceError):
        receive(ticket="X-2", actor=alice)
    assert Complaint.objects.count() == 1


CSV = (
    "hotline,ticket,received_at,category,text,phone,address,application_no,outage_reference\n"
    "12398,T-1,2026-05-04T10:00:00+08:00,fees,收取了不合理费用,13800000009,,,\n"
    "95598,T-2,2026-05-05 11:00,outage,停电没有通知,,,,\n"
    "95598,T-1,2026-05-06T11:00:00+08:00,fees,重复,,,,\n"
    "12398,T-3,not-a-date,fees,坏行,,,,\n"
    "12398,T-4,2026-05-06T11:00:00+08:00,unknown,坏类别,,,,\n"
)


def test_the_csv_import_names_bad_lines_and_duplicates(tmp_path, supervisor):
    path = tmp_path / "complaints.csv"
    path.write_text(CSV, encoding="utf-8")
    with time_machine.travel(NOW, tick=False), pytest.raises(CommandError):
        call_command("supervision", "import-complaints", str(path))
    assert sorted(Complaint.objects.values_list("ticket", flat=True)) == ["T-1", "T-2"]
    assert Complaint.objects.get(ticket="T-2").received_at == dt.datetime(2026, 5, 5, 11, tzinfo=SHANGHAI)
    report = complaints.import_csv(CSV, actor=None, at=NOW)
    assert (
        report.added == 0
        and report.duplicates == ["T-1", "T-2", "T-1"]
        and [line for line, _ in report.errors] == [5, 6]
    )


def test_personal_data_only_for_handlers_and_applicants_see_their_own(
    alice, bob, cm, cm_elsewhere, supervisor, kaili, staffed
):
    with time_machine.travel(NOW - dt.timedelta(days=20), tick=False):
        app = submitted(alice, kaili)
    c = receive(application_no=app.no, phone=alice.phone)
    with time_machine.travel(NOW, tick=False):
        for user in (supervisor, cm):
            page = client_for(user).get(f"/supervision/complaints/{c.ticket}/")
            assert page.status_code == 200 and alice.phone in page.content.decode()
        mine = client_for(alice).get("/supervision/complaints/")
        assert mine.status_code == 200 and c.ticket in mine.content.decode()
        assert client_for(bob).get(f"/supervision/complaints/{c.ticket}/").status_code == 404
        assert c.ticket not in client_for(bob).get("/supervision/complaints/").content.decode()
        assert client_for(cm_elsewhere).get(f"/supervision/complaints/{c.ticket}/").status_code == 404
        assert client_for(alice).post(f"/supervision/complaints/{c.ticket}/", {"kind": "accept"}).status_code == 403
        rows = bearer(supervisor).get("/api/v1/supervision/complaints?year=2026").json()
        assert [(r["ticket"], r["application_no"], r["phone"]) for r in rows] == [(c.ticket, app.no, alice.phone)]
        assert bearer(bob).get("/api/v1/supervision/complaints?year=2026").json() == []
        assert bearer(supervisor).get("/api/v1/supervision/complaints").status_code in (400, 422)
        assert client_for(None).get("/api/v1/supervision/complaints?year=2026").status_code == 401


def test_the_pages_take_a_complaint_through(supervisor, cm):
    with time_machine.travel(NOW, tick=False):
        form = {
            "hotline": "95598",
            "ticket": "W-1",
            "received_at": "2026-06-01T08:30",
            "category": "service",
            "text": "态度差",
        }
        assert client_for(cm).post("/supervision/complaints/", {"kind": "one", **form}).status_code == 302
        assert client_for(cm).post("/supervision/complaints/", {"kind": "one", **form}).status_code == 409
        url = "/supervision/complaints/W-1/"
        assert client_for(supervisor).post(url, {"kind": "reject", "note": ""}).status_code == 400
        assert client_for(supervisor).post(url, {"kind": "accept", "note": "受理"}).status_code == 302
        assert (
            client_for(supervisor).post(url, {"kind": "answer", "note": "已道歉并培训", "upheld": "on"}).status_code
            == 302
        )
        assert Rectification.objects.filter(source=Source.COMPLAINT, subject="W-1").exists()
        upload = SimpleUploadedFile("c.csv", CSV.encode(), content_type="text/csv")
        page = client_for(supervisor).post("/supervision/complaints/", {"kind": "import", "file": upload})
        assert page.status_code == 400 and "第 5 行" in page.content.decode()
