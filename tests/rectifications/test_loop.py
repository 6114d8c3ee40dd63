"""The rectification list: the loop open → rectifying → submitted → verified (销号), sent back,
reopened; who may do what; the tamper-evident log; the pages and the API, outsiders refused."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from bandian.core.errors import ServiceError, StateConflict
from bandian.core.time import SHANGHAI
from bandian.supervision.models import Rectification, RectificationLog, Source, Status
from bandian.supervision.rectifications import rectification_act, rectification_open, verify
from tests.conftest import client_for, pdf_upload
from tests.rectifications.conftest import bearer

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 6, 1, 10, tzinfo=SHANGHAI)


def inspection(supervisor, unit="utility", **kw):
    item, created = rectification_open(
        source=Source.INSPECTION,
        title=kw.pop("title", "营业厅未公示收费项目"),
        unit=unit,
        actor=supervisor,
        due_on=kw.pop("due_on", dt.date(2026, 6, 30)),
        at=kw.pop("at", NOW),
        **kw,
    )
    assert created
    return item


def test_the_whole_loop_crosses_an_item_off_and_keeps_every_step(supervisor, cm):
    item = inspection(supervisor, county="522601")
    assert item.no == "ZG-2026-00001" and item.status == Status.OPEN
    item = rectification_act(item, action="started", actor=cm, at=NOW + dt.timedelta(hours=1))
    assert item.status == Status.RECTIFYING
    item = rectification_act(
        item,
        action="submitted",
        actor=cm,
        measures="在营业厅和网上国网公示收费项目目录清单",
        note="已公示",
        evidence=pdf_upload(),
        at=NOW + dt.timedelta(days=2),
    )
    assert item.status == Status.SUBMITTED and item.rectified_by == cm
    item = rectification_act(item, action="verified", actor=supervisor, note="现场核实", at=NOW + dt.timedelta(days=3))
    assert item.status == Status.VERIFIED and item.closed_at == NOW + dt.timedelta(days=3)
    actions = list(item.log.order_by("seq").values_list("action", flat=True))
    assert actions == ["opened", "started", "submitted", "verified"]
    assert item.log.get(action="submitted").evidence_sha256
    assert verify() == []


def test_sent_back_with_a_reason_and_reopened_after_verification(supervisor, cm):
    item = inspection(supervisor)
    item = rectification_act(item, action="submitted", actor=cm, measures="整改", note="完成", at=NOW)
    with pytest.raises(ServiceError):
        rectification_act(item, action="sent_back", actor=supervisor, note="", at=NOW)
    item = rectification_act(item, action="sent_back", actor=supervisor, note="佐证材料不足", at=NOW)
    assert item.status == Status.RECTIFYING and item.submitted_at is None
    item = rectification_act(item, action="submitted", actor=cm, note="补充材料", at=NOW)
    item = rectification_act(item, action="verified", actor=supervisor, note="通过", at=NOW)
    item = rectification_act(item, action="reopened", actor=supervisor, note="问题复发", at=NOW)
    assert item.status == Status.RECTIFYING and item.closed_at is None
    assert verify() == []


def test_the_verifier_is_never_the_one_who_rectified(supervisor, supervisor2):
    # The commission's own item: a supervisor rectifies, so another must verify.
    item = inspection(supervisor, unit="drc", title="未建立重点任务台账")
    item = rectification_act(item, action="submitted", actor=supervisor, measures="建立台账", note="已建立", at=NOW)
    with pytest.raises(ServiceError, match="整改人不能核验"):
        rectification_act(item, action="verified", actor=supervisor, note="自己核验", at=NOW)
    item.refresh_from_db()
    assert item.status == Status.SUBMITTED and item.log_count == 2
    item = rectification_act(item, action="verified", actor=supervisor2, note="核验通过", at=NOW)
    assert item.verified_by == supervisor2


def test_wrong_people_and_wrong_states_change_nothing(supervisor, cm, cm_elsewhere, housing, alice):
    item = inspection(supervisor, county="522601")
    for outsider in (housing, alice, cm_elsewhere):
        with pytest.raises(ServiceError):
            rectification_act(item, action="submitted", actor=outsider, measures="x", note="x", at=NOW)
    with pytest.raises(ServiceError):
        rectification_act(item, action="verified", actor=cm, note="x", at=NOW)
    with pytest.raises(StateConflict):
        rectification_act(item, action="verified", actor=supervisor, note="x", at=NOW)
    with pytest.raises(ServiceError, match="整改措施"):
        rectification_act(item, action="submitted", actor=cm, note="x", at=NOW)
    with pytest.raises(ServiceError):
        rectification_open(source=Source.INSPECTION, title="x", unit="utility", actor=cm, at=NOW)
    with pytest.raises(ServiceError):
        rectification_open(source=Source.INSPECTION, title="x", unit="nobody", actor=supervisor, at=NOW)
    item.refresh_from_db()
    assert item.status == Status.OPEN and item.log_count == 1 and RectificationLog.objects.count() == 1


def test_the_system_opens_one_item_per_problem(supervisor):
    first, created = rectification_open(
        source=Source.OVERDUE_APPLICATION, subject="QDN-2026-000001", title="超时", unit="utility", actor=None, at=NOW
    )
    again, created_again = rectification_open(
        source=Source.OVERDUE_APPLICATION, subject="QDN-2026-000001", title="超时", unit="utility", actor=None, at=NOW
    )
    assert created and not created_again and again.pk == first.pk
    # Due by the policy's working days (10) after it opened: 2026-06-01 (Mon) → 2026-06-15.
    assert first.due_on == dt.date(2026, 6, 15)


def test_a_changed_log_row_is_found_by_verify_and_the_command(supervisor, cm):
    item = inspection(supervisor)
    rectification_act(item, action="started", actor=cm, at=NOW)
    call_command("supervision", "verify")
    RectificationLog.objects.filter(item=item, seq=1).update(note="篡改")
    problems = verify()
    assert [(p.item, p.seq) for p in problems] == [(item.no, 1)]
    with pytest.raises(CommandError):
        call_command("supervision", "verify")


def test_a_removed_last_row_shows(supervisor, cm):
    item = inspection(supervisor)
    rectification_act(item, action="started", actor=cm, at=NOW)
    RectificationLog.objects.filter(item=item, seq=2).delete()
    assert any(p.seq is None for p in verify())


# Pages.


def test_a_unit_sees_its_own_items_and_no_others(supervisor, cm, housing, transport):
    mine = inspection(supervisor, unit="housing", title="审批超时")
    other = inspection(supervisor, unit="transport", title="占道审批超时")
    page = client_for(housing).get("/supervision/rectifications/")
    assert page.status_code == 200
    assert mine.no in page.content.decode() and other.no not in page.content.decode()
    assert client_for(housing).get(f"/supervision/rectifications/{other.no}/").status_code == 404
    assert client_for(cm).get(f"/supervision/rectifications/{mine.no}/").status_code == 404


def test_outsiders_are_refused(supervisor, alice):
    item = inspection(supervisor)
    assert client_for(None).get("/supervision/rectifications/").status_code == 302
    assert client_for(alice).get("/supervision/rectifications/").status_code == 403
    assert client_for(alice).get(f"/supervision/rectifications/{item.no}/").status_code == 404
    assert client_for(alice).post(f"/supervision/rectifications/{item.no}/", {"action": "started"}).status_code == 404
    assert bearer(alice).get("/api/v1/supervision/rectifications").status_code == 403
    assert client_for(None).get("/api/v1/supervision/rectifications").status_code == 401


def test_the_pages_walk_the_loop(supervisor, supervisor2, cm):
    with time_machine.travel(NOW, tick=False):
        page = client_for(supervisor).post(
            "/supervision/rectifications/",
            {"title": "未公示接入能力", "unit": "utility", "county": "522601", "due_on": "2026-06-20", "subject": ""},
        )
        assert page.status_code == 302
        item = Rectification.objects.get()
        url = f"/supervision/rectifications/{item.no}/"
        assert client_for(cm).post(url, {"action": "started"}).status_code == 302
        bad = client_for(cm).post(
            url,
            {
                "action": "submitted",
                "measures": "公示",
                "note": "完成",
                "evidence": SimpleUploadedFile("a.txt", b"hello"),
            },
        )
        assert bad.status_code == 400 and "PDF" in bad.content.decode()
        item.refresh_from_db()
        assert item.status == Status.RECTIFYING and item.log_count == 2
        ok = client_for(cm).post(
            url, {"action": "submitted", "measures": "公示", "note": "完成", "evidence": pdf_upload()}
        )
        assert ok.status_code == 302
        assert client_for(cm).post(url, {"action": "verified", "note": "x"}).status_code == 400
        assert client_for(supervisor2).post(url, {"action": "verified", "note": "核验通过"}).status_code == 302
        item.refresh_from_db()
        assert item.status == Status.VERIFIED
        page = client_for(supervisor).get(url)
        assert "核验销号" in page.content.decode()
        conflict = client_for(supervisor).post(url, {"action": "verified", "note": "again"})
        assert conflict.status_code == 409


def test_a_bad_manual_item_is_refused_and_nothing_is_written(supervisor):
    with time_machine.travel(NOW, tick=False):
        page = client_for(supervisor).post(
            "/supervision/rectifications/", {"title": "x", "unit": "utility", "due_on": "2020-01-01"}
        )
    assert page.status_code == 400 and Rectification.objects.count() == 0


def test_per_unit_figures_count_open_overdue_and_closed_in_time(supervisor, cm):
    late = inspection(supervisor, due_on=dt.date(2026, 6, 2))
    inspection(supervisor, title="第二个问题", due_on=dt.date(2026, 7, 1))
    done = inspection(supervisor, title="第三个问题", due_on=dt.date(2026, 6, 10))
    rectification_act(done, action="submitted", actor=cm, measures="m", note="n", at=NOW)
    rectification_act(done, action="verified", actor=supervisor, note="ok", at=NOW + dt.timedelta(days=1))
    with time_machine.travel(dt.datetime(2026, 6, 5, 9, tzinfo=SHANGHAI), tick=False):
        page = client_for(supervisor).get("/supervision/rectifications/")
        rows = bearer(supervisor).get("/api/v1/supervision/rectifications?status=open").json()
    row = page.content.decode().split('id="unit-utility"')[1].split("</tr>")[0]
    cells = [c.split("</td>")[0] for c in row.split("<td>")[2:]]
    assert cells == ["2", "1", "1", "1"]
    assert sorted((r["no"] == late.no, r["overdue"]) for r in rows) == [(False, False), (True, True)]


def test_the_api_filters_by_source_status_and_unit(supervisor, housing):
    inspection(supervisor, unit="housing", title="审批超时", subject="ZG-X")
    rectification_open(
        source=Source.COMPLAINT, subject="12398-0001", title="投诉属实", unit="utility", actor=None, at=NOW
    )
    rows = bearer(supervisor).get("/api/v1/supervision/rectifications?source=complaint").json()
    assert [(r["source"], r["subject"], r["unit"], r["status"]) for r in rows] == [
        ("complaint", "12398-0001", "utility", "open")
    ]
    assert set(rows[0]) >= {"source", "subject", "unit", "due", "status"}
    assert [r["unit"] for r in bearer(housing).get("/api/v1/supervision/rectifications").json()] == ["housing"]
    assert bearer(supervisor).get("/api/v1/supervision/rectifications?status=bogus").status_code in (400, 422)
