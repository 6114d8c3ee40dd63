"""The supply contract in a real browser: the applicant at the signing step asks for the SMS code,
signs with it and sees the contract signed and sealed; anyone then checks the sealed PDF on the
public verification page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from bandian.applications.contracts.models import ContractState
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.contracts.conftest import (
    at_signing_step,
    contract_of,
    last_code,
    signing,  # noqa: F401 (a fixture, found by name)
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("signing")]


def test_the_applicant_signs_by_sms_and_anyone_verifies_the_sealed_contract(
    new_page, live_server, alice, kaili, cm, pm
):
    app = at_signing_step(alice, kaili, address="凯里市韶山南路 18 号")
    base = live_server.url

    applicant: Page = new_page()
    sign_in(applicant, base, alice.username, PASSWORD)
    applicant.goto(f"{base}/applications/{app.no}/")
    section = applicant.locator("#contract")
    expect(section.locator("#contract-state")).to_have_text("待申请人签订")
    applicant.click("#contract-send-code")
    expect(applicant.locator("body")).to_contain_text("验证码已发送到您登记的手机")
    applicant.fill("#contract-code", last_code(alice.phone))
    applicant.click("#contract-sign")
    expect(applicant.locator("body")).to_contain_text("您已签订供用电合同。")
    # The seal follows the signature at once here (the tests' tasks run immediately).
    expect(section.locator("#contract-state")).to_have_text("已签章生效")
    expect(section).to_contain_text("短信验证码确认")
    expect(applicant.locator("#contract-signing")).to_have_count(0)
    contract = contract_of(app)
    assert contract.state == ContractState.SEALED and contract.signed_channel == "sms"

    # The applicant downloads the sealed PDF from the page's link, as a PDF viewer would get it.
    download = applicant.request.get(base + section.locator("#contract-download").get_attribute("href"))
    assert download.ok and download.headers["content-type"] == "application/pdf"
    sealed = download.body()

    # Anyone, not signed in, checks it on the public page.
    public: Page = new_page()
    public.goto(f"{base}/public/contracts/verify/")
    public.set_input_files(
        "input[type=file]", files=[{"name": f"{app.no}.pdf", "mimeType": "application/pdf", "buffer": sealed}]
    )
    public.click("#verify-submit")
    expect(public.locator("#verify-verdict")).to_contain_text("真实有效")
    for check in ("#verify-signed", "#verify-intact", "#verify-trusted", "#verify-matches"):
        expect(public.locator(check)).to_have_text("是")
    expect(public.locator("#verify-result")).to_contain_text(app.no)
