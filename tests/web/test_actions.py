import pytest

from bandian.applications import services
from bandian.applications.enums import EventType, Status
from bandian.applications.models import Event
from tests.conftest import client_for, png_upload, submitted

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def app(alice, kaili, cm, pm):
    return submitted(alice, kaili)


def _post(user, app, action, data=None, **extra):
    return client_for(user).post(f"/applications/{app.no}/{action}/", data or {}, **extra)


def test_managers_complete_the_steps_to_energisation(app, cm, pm, alice):
    client = client_for(cm)
    response = client.post(f"/applications/{app.no}/complete/", {"stage": "apply", "complete-note": "资料齐全，已受理"})
    assert response.status_code == 302 and response["Location"] == f"/applications/{app.no}/"
    page = client.get(response["Location"]).content.decode()
    assert "环节已完成" in page and "完成环节：装表接电" in page
    _post(pm, app, "complete", {"stage": "connect"})
    app.refresh_from_db()
    assert app.status == Status.ENERGISED
    body = client_for(alice).get(f"/applications/{app.no}/").content.decode()
    assert "已接电" in body and "资料齐全，已受理" in body


def test_a_step_other_than_the_current_one_is_refused_keeping_the_note(app, cm):
    response = _post(cm, app, "complete", {"stage": "connect", "complete-note": "我的说明"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "当前环节是“受理申请”" in body and "我的说明" in body
    app.refresh_from_db()
    assert app.current_stage == "apply"


def test_a_step_the_policy_does_not_list_is_refused(app, cm):
    response = _post(cm, app, "complete", {"stage": "site_survey"})
    assert response.status_code == 400 and "没有“site_survey”环节" in response.content.decode()
    assert not Event.objects.filter(application=app, type=EventType.STAGE_COMPLETED).exists()


def test_pause_with_a_policy_reason_and_evidence_then_resume(app, cm):
    data = {"pause-reason": "customer_not_ready", "pause-note": "客户表箱未安装", "pause-evidence": png_upload()}
    assert _post(cm, app, "pause", data).status_code == 302
    app.refresh_from_db()
    assert app.status == Status.PAUSED
    event = Event.objects.get(application=app, type=EventType.PAUSED)
    assert event.reason == "customer_not_ready" and event.evidence and event.evidence_sha256
    assert _post(cm, app, "resume", {"resume-note": "表箱已装好"}).status_code == 302
    app.refresh_from_db()
    assert app.status == Status.IN_PROGRESS


def test_a_reason_outside_the_policy_is_refused_keeping_what_was_typed(app, cm):
    response = _post(cm, app, "pause", {"pause-reason": "staff_on_leave", "pause-note": "我们的人休假"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "我们的人休假" in body and 'class="errorlist"' in body
    app.refresh_from_db()
    assert app.status == Status.IN_PROGRESS


def test_pause_needs_evidence_text(app, cm):
    response = _post(cm, app, "pause", {"pause-reason": "customer_works", "pause-note": ""})
    assert response.status_code == 400 and not Event.objects.filter(type=EventType.PAUSED).exists()


def test_a_second_pause_is_refused_with_the_service_message(app, cm):
    _post(cm, app, "pause", {"pause-reason": "customer_works", "pause-note": "施工"})
    response = _post(cm, app, "pause", {"pause-reason": "customer_works", "pause-note": "再次暂停"})
    assert response.status_code == 400
    assert "已处于暂停状态" in response.content.decode() and "再次暂停" in response.content.decode()


def test_visit_and_cancel(app, cm, counter):
    assert _post(counter, app, "visit", {"visit-note": "客户到厅签字"}).status_code == 302
    assert Event.objects.filter(application=app, type=EventType.VISIT, note="客户到厅签字").exists()
    assert _post(cm, app, "cancel", {"cancel-note": ""}).status_code == 400
    assert _post(cm, app, "cancel", {"cancel-note": "客户放弃"}).status_code == 302
    app.refresh_from_db()
    assert app.status == Status.CANCELLED


def test_htmx_actions_redirect_on_success_and_swap_the_panel_on_error(app, cm):
    ok = _post(cm, app, "complete", {"stage": "apply"}, **HX)
    assert ok.status_code == 200 and ok["HX-Redirect"] == f"/applications/{app.no}/"
    bad = _post(cm, app, "pause", {"pause-reason": "customer_works", "pause-note": ""}, **HX)
    body = bad.content.decode()
    assert bad.status_code == 400 and body.lstrip().startswith('<section class="card" id="staff-actions">')
    assert "<html" not in body


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("complete", {"stage": "apply"}),
        ("pause", {"pause-reason": "customer_works", "pause-note": "x"}),
        ("resume", {}),
        ("visit", {"visit-note": "x"}),
        ("cancel", {"cancel-note": "x"}),
    ],
)
def test_actions_refuse_outsiders(app, action, data, alice, bob, cm_elsewhere, supervisor, counter):
    before = app.event_count
    url = f"/applications/{app.no}/{action}/"
    assert client_for(None).post(url, data)["Location"].startswith("/accounts/login/")
    assert client_for(bob).post(url, data).status_code == 404
    assert client_for(alice).post(url, data).status_code == 403
    assert client_for(cm_elsewhere).post(url, data).status_code == 403
    assert client_for(supervisor).post(url, data).status_code == 403
    if action != "visit":
        assert client_for(counter).post(url, data).status_code == 403
    assert client_for(supervisor).get(url).status_code == 405
    app.refresh_from_db()
    assert app.event_count == before


def test_actions_on_a_closed_application_are_refused_with_a_message(app, cm, alice):
    services.application_withdraw(application=app, actor=alice)
    response = _post(cm, app, "visit", {"visit-note": "来了"})
    assert response.status_code == 400 and "该申请已结束" in response.content.decode()


def test_evidence_files_are_checked_by_content_like_documents(app, cm):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("evidence.pdf", b"#!/bin/sh\necho not a pdf\n")
    data = {"pause-reason": "customer_works", "pause-note": "施工照片", "pause-evidence": fake}
    response = _post(cm, app, "pause", data)
    assert response.status_code == 400 and "只接受 PDF、JPEG 或 PNG" in response.content.decode()
    assert "施工照片" in response.content.decode()
    assert not Event.objects.filter(application=app, type=EventType.PAUSED).exists()
