"""Who sees, downloads and signs a contract, through the pages and the API; outsiders refused."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from bandian.accounts.auth import issue_token
from bandian.applications.contracts import services
from bandian.applications.contracts.models import ContractState
from bandian.applications.enums import EventType
from bandian.applications.models import Event
from tests.conftest import PNG, client_for, make_user
from tests.contracts.conftest import at_signing_step, contract_of, last_code

pytestmark = pytest.mark.django_db


def api(user) -> Client:
    return Client(headers={"Authorization": f"Bearer {issue_token(user)}"}) if user is not None else Client()


@pytest.fixture
def app(alice, kaili, staffed):
    return at_signing_step(alice, kaili)


def test_the_applicant_and_the_countys_staff_download_the_contract(app, alice, cm, counter):
    for user in (alice, cm, counter):
        response = api(user).get(f"/api/v1/applications/{app.no}/contract")
        assert response.status_code == 200, user
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")
        page = client_for(user).get(f"/applications/{app.no}/contract/")
        assert page.status_code == 200 and page["Content-Type"] == "application/pdf"


def test_outsiders_cannot_download(app, bob, cm_elsewhere, supervisor):
    assert api(None).get(f"/api/v1/applications/{app.no}/contract").status_code == 401
    assert api(bob).get(f"/api/v1/applications/{app.no}/contract").status_code == 404
    assert api(cm_elsewhere).get(f"/api/v1/applications/{app.no}/contract").status_code == 404
    assert api(supervisor).get(f"/api/v1/applications/{app.no}/contract").status_code == 403
    anonymous = client_for(None).get(f"/applications/{app.no}/contract/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert client_for(bob).get(f"/applications/{app.no}/contract/").status_code == 404
    assert client_for(cm_elsewhere).get(f"/applications/{app.no}/contract/").status_code == 403
    assert client_for(supervisor).get(f"/applications/{app.no}/contract/").status_code == 403


def test_the_applicant_signs_through_the_api(app, alice, signing, django_capture_on_commit_callbacks):
    client = api(alice)
    sent = client.post(f"/api/v1/applications/{app.no}/contract/code")
    assert sent.status_code == 200 and sent.json()["state"] == "drawn"
    wrong = client.post(
        f"/api/v1/applications/{app.no}/contract/sign", {"code": "12345x"}, content_type="application/json"
    )
    assert wrong.status_code == 400 and "验证码" in wrong.json()["detail"]
    assert contract_of(app).state == ContractState.DRAWN
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            f"/api/v1/applications/{app.no}/contract/sign",
            {"code": last_code(alice.phone)},
            content_type="application/json",
        )
    assert done.status_code == 200
    body = done.json()
    assert body["channel"] == "sms" and body["sha256"] == contract_of(app).pdf_sha256
    # The seal follows the commit (a task; immediate in the tests).
    assert contract_of(app).state == ContractState.SEALED
    status = client.get(f"/api/v1/applications/{app.no}/contract/status").json()
    assert status["state"] == "sealed" and status["sealed_sha256"] == contract_of(app).sealed_sha256
    again = client.post(
        f"/api/v1/applications/{app.no}/contract/sign", {"code": "123456"}, content_type="application/json"
    )
    assert again.status_code == 409


def test_outsiders_cannot_sign_through_the_api(app, alice, bob, cm, cm_elsewhere):
    services.contract_code_send(application=app, actor=alice)
    code = last_code(alice.phone)
    url = f"/api/v1/applications/{app.no}/contract/sign"
    assert api(None).post(url, {"code": code}, content_type="application/json").status_code == 401
    assert api(bob).post(url, {"code": code}, content_type="application/json").status_code == 404
    assert api(cm_elsewhere).post(url, {"code": code}, content_type="application/json").status_code == 404
    assert api(cm).post(url, {"code": code}, content_type="application/json").status_code == 403
    assert api(bob).post(f"/api/v1/applications/{app.no}/contract/code").status_code == 404
    assert contract_of(app).state == ContractState.DRAWN
    assert not Event.objects.filter(application=app, type=EventType.CONTRACT_SIGNED).exists()


def test_the_applicant_page_shows_the_contract_and_the_signing_form(
    app, alice, signing, django_capture_on_commit_callbacks
):
    client = client_for(alice)
    page = client.get(f"/applications/{app.no}/").content.decode()
    assert 'id="contract"' in page and 'id="contract-send-code"' in page and "待申请人签订" in page
    response = client.post(f"/applications/{app.no}/contract/code/")
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/applications/{app.no}/contract/sign/", {"code": last_code(alice.phone)})
    page = client.get(f"/applications/{app.no}/").content.decode()
    assert "已签章生效" in page and 'id="contract-send-code"' not in page


def test_staff_see_the_state_but_no_signing_form(app, cm):
    page = client_for(cm).get(f"/applications/{app.no}/").content.decode()
    assert "待申请人签订" in page and 'id="contract-send-code"' not in page and 'id="contract-paper"' not in page


def test_outsiders_cannot_use_the_signing_pages(app, bob, cm, cm_elsewhere, alice):
    services.contract_code_send(application=app, actor=alice)
    code = last_code(alice.phone)
    anonymous = client_for(None).post(f"/applications/{app.no}/contract/sign/", {"code": code})
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert client_for(bob).post(f"/applications/{app.no}/contract/sign/", {"code": code}).status_code == 404
    assert client_for(cm).post(f"/applications/{app.no}/contract/sign/", {"code": code}).status_code == 403
    assert client_for(cm_elsewhere).post(f"/applications/{app.no}/contract/code/").status_code == 403
    assert contract_of(app).state == ContractState.DRAWN


def test_the_counter_clerk_records_a_paper_signature_through_the_page(app, counter):
    client = client_for(counter)
    page = client.get(f"/applications/{app.no}/").content.decode()
    assert 'id="contract-paper"' in page
    form = client.get(f"/applications/{app.no}/contract/paper/")
    assert form.status_code == 200
    bad = client.post(f"/applications/{app.no}/contract/paper/", {"scan": SimpleUploadedFile("s.txt", b"plain text")})
    assert bad.status_code == 400 and contract_of(app).state == ContractState.DRAWN
    done = client.post(
        f"/applications/{app.no}/contract/paper/", {"scan": SimpleUploadedFile("s.png", PNG, content_type="image/png")}
    )
    assert done.status_code == 302
    assert contract_of(app).signed_channel == "paper"


def test_only_the_countys_counter_clerk_may_record_paper(app, cm, alice):
    other_counter = make_user("counter-huangping", "counter", "522622")
    assert client_for(None).get(f"/applications/{app.no}/contract/paper/").status_code == 302
    assert client_for(other_counter).get(f"/applications/{app.no}/contract/paper/").status_code == 403
    assert client_for(cm).get(f"/applications/{app.no}/contract/paper/").status_code == 403
    assert client_for(alice).get(f"/applications/{app.no}/contract/paper/").status_code == 403


def test_managers_seal_by_hand_when_the_seal_did_not_happen(app, alice, cm, cm_elsewhere, bob, signing):
    services.contract_code_send(application=app, actor=alice)
    services.contract_sign(application=app, code=last_code(alice.phone), actor=alice)  # commit hooks not run: unsealed
    page = client_for(cm).get(f"/applications/{app.no}/").content.decode()
    assert 'id="contract-seal"' in page
    assert client_for(cm_elsewhere).post(f"/applications/{app.no}/contract/seal/").status_code == 403
    assert client_for(bob).post(f"/applications/{app.no}/contract/seal/").status_code == 404
    assert client_for(alice).post(f"/applications/{app.no}/contract/seal/").status_code == 403
    assert contract_of(app).state == ContractState.SIGNED
    assert client_for(cm).post(f"/applications/{app.no}/contract/seal/").status_code == 302
    assert contract_of(app).state == ContractState.SEALED
