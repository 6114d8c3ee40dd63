import datetime as dt
from decimal import Decimal

from bandian.applications import services
from bandian.applications.models import Event
from tests.conftest import client_for, png_upload, submitted


def test_the_applicant_sees_steps_managers_deadlines_and_clocks(alice, kaili, cm, pm, clock):
    app = submitted(alice, kaili)
    clock.shift(dt.timedelta(hours=3))
    body = client_for(alice).get(f"/applications/{app.no}/").content.decode()
    assert "受理申请" in body and "装表接电" in body  # the class's steps from policy
    assert "供电方案答复" not in body
    assert "cm-kaili" in body and "pm-kaili" in body  # both managers
    assert app.stage_due_at.astimezone(kaili_tz()).strftime("%Y-%m-%d %H:%M") in body
    assert app.due_at.astimezone(kaili_tz()).strftime("%Y-%m-%d %H:%M") in body
    assert 'id="clock-full">0.12' in body  # 3 hours of working time
    assert 'id="clock-utility">' in body and 'id="clock-approval">0.00' in body
    assert "办理中" in body and 'id="withdraw-link"' in body
    # Applicants get no staff actions.
    assert 'id="staff-actions"' not in body


def kaili_tz():
    from bandian.core.time import SHANGHAI

    return SHANGHAI


def test_pauses_show_their_policy_reason_and_evidence(alice, kaili, cm, pm):
    app = submitted(alice, kaili)
    services.application_pause(
        application=app, reason="customer_works", note="客户内部线路施工", actor=cm, evidence=png_upload("photo.png")
    )
    body = client_for(alice).get(f"/applications/{app.no}/").content.decode()
    assert "客户自建工程施工中" in body and "客户内部线路施工" in body
    assert f"/applications/{app.no}/events/" in body and "证据文件" in body
    assert "暂停中" in body


def test_the_timeline_shows_receipt_and_device_times_and_back_filled_events(alice, kaili, cm, pm, clock):
    app = submitted(alice, kaili)
    clock.shift(dt.timedelta(hours=1))
    services.visit_record(application=app, actor=cm, note="客户到营业厅补签字")
    clock.shift(dt.timedelta(hours=1))
    # Recorded at 12:00 with the terminal's 10:30: earlier than the visit received at 11:00.
    services.stage_complete(
        application=app, stage="apply", actor=cm, device_at=dt.datetime(2026, 6, 2, 10, 30, tzinfo=kaili_tz()),
        device_id="PDA-0042",
    )  # fmt: skip
    assert Event.objects.get(application=app, type="stage_completed").backfilled
    body = client_for(alice).get(f"/applications/{app.no}/").content.decode()
    assert "PDA-0042" in body and "补录" in body
    assert "2026-06-02 12:00:00" in body and "2026-06-02 10:30:00" in body


def test_a_restart_links_to_the_first_application(alice, kaili, cm, pm, clock):
    first = submitted(alice, kaili, id_number="522601199001011234")
    services.application_withdraw(application=first, actor=alice)
    clock.shift(dt.timedelta(days=3))
    second = submitted(alice, kaili, id_number="522601199001011234")
    assert second.restart_of == first
    body = client_for(alice).get(f"/applications/{second.no}/").content.decode()
    assert f'href="/applications/{first.no}/"' in body and "重新申请" in body
    assert f'href="/applications/{second.no}/"' in client_for(alice).get(f"/applications/{first.no}/").content.decode()


def test_the_sanling_rule_is_shown(alice, kaili, cm, pm):
    app = submitted(alice, kaili, "lv_general", capacity_kw=Decimal("200"), voltage_kv=Decimal("0.38"))
    body = client_for(alice).get(f"/applications/{app.no}/").content.decode()
    assert "不适用“三零”服务" in body and app.eligibility_rule in body


def test_staff_of_the_county_see_the_action_forms(alice, kaili, cm, pm, counter):
    app = submitted(alice, kaili)
    body = client_for(cm).get(f"/applications/{app.no}/").content.decode()
    assert "完成环节：受理申请" in body and 'id="pause-form"' in body and 'id="cancel-form"' in body
    assert 'name="stage"' in body and 'value="apply"' in body
    # The pause reasons are the policy's, and only those.
    for key in ("customer_not_ready", "customer_requested_date", "customer_works", "awaiting_document"):
        assert f'value="{key}"' in body
    counter_body = client_for(counter).get(f"/applications/{app.no}/").content.decode()
    assert 'id="visit-form"' in counter_body and 'id="complete-form"' not in counter_body


def test_the_supervisor_reads_but_gets_no_actions(alice, kaili, cm, pm, supervisor):
    app = submitted(alice, kaili)
    response = client_for(supervisor).get(f"/applications/{app.no}/")
    assert response.status_code == 200 and app.no in response.content.decode()
    assert 'id="staff-actions"' not in response.content.decode()
    assert 'id="withdraw-link"' not in response.content.decode()


def test_detail_refuses_outsiders(alice, bob, kaili, cm, pm, cm_elsewhere):
    app = submitted(alice, kaili)
    url = f"/applications/{app.no}/"
    assert client_for(None).get(url)["Location"].startswith("/accounts/login/")
    assert client_for(bob).get(url).status_code == 404
    assert client_for(cm_elsewhere).get(url).status_code == 404
    assert client_for(alice).get("/applications/QDN-2026-999999/").status_code == 404


def test_documents_and_evidence_files_are_served_to_those_who_may_see_them(alice, bob, kaili, cm, pm, cm_elsewhere):
    app = submitted(alice, kaili)
    services.application_pause(
        application=app, reason="customer_works", note="施工中", actor=cm, evidence=png_upload("photo.png")
    )
    seq = Event.objects.get(application=app, type="paused").seq
    for url in (f"/applications/{app.no}/documents/id_card/file/", f"/applications/{app.no}/events/{seq}/evidence/"):
        assert client_for(cm).get(url).status_code == 200
        assert client_for(alice).get(url).status_code == 200
        assert client_for(bob).get(url).status_code == 404
        assert client_for(cm_elsewhere).get(url).status_code == 404
        assert client_for(None).get(url).status_code == 302


def test_the_detail_page_makes_no_query_per_event(alice, kaili, cm, pm, django_assert_max_num_queries):
    app = submitted(alice, kaili)
    client = client_for(cm)
    client.get(f"/applications/{app.no}/")
    with django_assert_max_num_queries(16) as few:
        client.get(f"/applications/{app.no}/")
    for i in range(6):
        services.application_pause(application=app, reason="customer_works", note=f"施工 {i}", actor=cm)
        services.application_resume(application=app, actor=pm)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(f"/applications/{app.no}/").content.decode()
    assert "施工 5" in body
