from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from bandian.applications.enums import Status
from bandian.applications.models import Document
from bandian.policy.classes import CustomerClass
from tests.conftest import PDF, PNG, client_for, draft, pdf_upload


def _post(client, app, **files):
    return client.post(f"/applications/{app.no}/documents/", files)


def test_the_page_asks_for_exactly_the_documents_of_the_class(alice, kaili):
    residential = client_for(alice).get(f"/applications/{draft(alice, kaili).no}/documents/").content.decode()
    assert 'name="id_card"' in residential and 'name="property_proof"' in residential
    assert 'name="business_licence"' not in residential and 'name="load_list"' not in residential
    hv = client_for(alice).get(f"/applications/{draft(alice, kaili, 'hv_single').no}/documents/").content.decode()
    assert hv.count('type="file"') == 3 and 'name="load_list"' in hv and 'name="id_card"' not in hv


def test_a_png_named_pdf_is_accepted_by_its_content(alice, kaili):
    app = draft(alice, kaili)
    response = _post(client_for(alice), app, id_card=SimpleUploadedFile("scan.pdf", PNG))
    assert response.status_code == 302
    assert Document.objects.get(application=app).content_type == "image/png"


def test_a_text_file_named_pdf_is_refused(alice, kaili):
    app = draft(alice, kaili)
    response = _post(client_for(alice), app, id_card=SimpleUploadedFile("x.pdf", b"just some text, not a pdf"))
    assert response.status_code == 400
    assert "只接受 PDF、JPEG 或 PNG" in response.content.decode()
    assert not Document.objects.exists()


def test_a_file_over_10_mb_is_refused(alice, kaili):
    app = draft(alice, kaili)
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (10 * 1024 * 1024))
    response = _post(client_for(alice), app, id_card=big)
    assert response.status_code == 400 and "10 MB" in response.content.decode()
    assert not Document.objects.exists()


def test_a_document_the_class_does_not_need_is_refused(alice, kaili):
    app = draft(alice, kaili)
    response = _post(client_for(alice), app, load_list=pdf_upload())
    assert response.status_code == 400 and not Document.objects.exists()


def test_submit_is_disabled_and_refused_until_all_documents_are_there(alice, kaili):
    app = draft(alice, kaili)
    client = client_for(alice)
    _post(client, app, id_card=pdf_upload())
    page = client.get(f"/applications/{app.no}/documents/").content.decode()
    assert 'id="submit-application" disabled' in page
    response = client.post(f"/applications/{app.no}/submit/", follow=True)
    assert "还缺少资料" in response.content.decode()
    app.refresh_from_db()
    assert app.status == Status.DRAFT


def test_uploading_everything_and_submitting_shows_the_sanling_decision(alice, kaili, cm, pm):
    app = draft(alice, kaili, "lv_general", capacity_kw=Decimal("80"), voltage_kv=Decimal("0.38"))
    client = client_for(alice)
    _post(client, app, business_licence=pdf_upload(), property_proof=pdf_upload("deed.pdf"))
    page = client.get(f"/applications/{app.no}/documents/").content.decode()
    assert 'id="submit-application">' in page
    response = client.post(f"/applications/{app.no}/submit/", follow=True)
    app.refresh_from_db()
    assert app.status == Status.IN_PROGRESS and app.customer_class == CustomerClass.LV_SANLING
    body = response.content.decode()
    assert "零投资" in body and app.eligibility_rule in body and "凯里城区" in body


def test_documents_and_submit_refuse_outsiders(alice, bob, kaili, cm, cm_elsewhere, supervisor):
    app = draft(alice, kaili)
    url = f"/applications/{app.no}/documents/"
    assert client_for(None).get(url)["Location"].startswith("/accounts/login/")
    assert client_for(bob).get(url).status_code == 404
    assert client_for(bob).post(f"/applications/{app.no}/submit/").status_code == 404
    assert client_for(cm_elsewhere).post(url, {"id_card": pdf_upload()}).status_code == 403
    for user in (cm, supervisor):
        assert client_for(user).post(url, {"id_card": pdf_upload()}).status_code == 403
        assert client_for(user).post(f"/applications/{app.no}/submit/").status_code == 403
    assert not Document.objects.exists()


def test_counter_staff_upload_and_submit_for_the_customer(counter, kaili, cm, pm):
    from bandian.applications import services
    from bandian.applications.enums import Channel

    app = services.application_create(
        actor=counter, customer_class="residential", county=kaili, urban=True, address="凯里市 1 号",
        capacity_kw=Decimal("8"), voltage_kv=Decimal("0.22"), applicant_name="王五", phone="13700001111",
        channel=Channel.COUNTER,
    )  # fmt: skip
    client = client_for(counter)
    _post(client, app, id_card=pdf_upload(), property_proof=pdf_upload())
    client.post(f"/applications/{app.no}/submit/")
    app.refresh_from_db()
    assert app.status == Status.IN_PROGRESS and app.customer_manager == cm


def test_a_deadline_past_the_calendar_is_shown_as_unknown_and_the_submission_goes_through(alice, kaili, cm, pm, clock):
    import datetime as dt

    from bandian.core.time import SHANGHAI

    clock.move_to(dt.datetime(2026, 12, 21, 10, tzinfo=SHANGHAI))
    app = draft(alice, kaili, "hv_dual", capacity_kw=Decimal("800"))
    client = client_for(alice)
    _post(client, app, business_licence=pdf_upload(), property_proof=pdf_upload(), load_list=pdf_upload())
    response = client.post(f"/applications/{app.no}/submit/", follow=True)
    assert response.status_code == 200 and "待 2027 年工作日历载入后计算" in response.content.decode()
    app.refresh_from_db()
    assert app.status == Status.IN_PROGRESS and app.due_at is None
