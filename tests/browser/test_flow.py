"""From registration to energisation, in a real browser: the applicant, then both managers."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from playwright.sync_api import expect

from bandian.core.time import SHANGHAI
from bandian.notify.models import Message
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, PDF

PHONE = "13900139000"
APPLICANT_PASSWORD = "light-up-my-shop-2026"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shanghai_monday():
    """A fixed working Monday morning, so that the deadlines shown are known and in the calendar."""
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI), tick=True):
        yield


def sms_code(phone: str) -> str:
    body = Message.objects.filter(phone=phone, channel=Message.Channel.SMS).latest("created_at").body
    match = re.search(r"\d{6}", body)
    assert match, body
    return match[0]


def test_a_new_applicant_applies_and_the_managers_energise_it(
    new_page, live_server, cm, pm, shanghai_monday, _sessions_without_expiry
):
    base = live_server.url

    # The applicant registers with a phone number; the code arrives through the outbox.
    applicant = new_page()
    applicant.goto(f"{base}/accounts/register/")
    applicant.fill("#id_phone", PHONE)
    applicant.get_by_role("button", name="获取验证码").click()
    expect(applicant).to_have_url(re.compile(r"/accounts/register/verify/$"))
    applicant.fill("#id_code", sms_code(PHONE))
    applicant.fill("#id_display_name", "王小店")
    applicant.fill("#id_password1", APPLICANT_PASSWORD)
    applicant.fill("#id_password2", APPLICANT_PASSWORD)
    applicant.get_by_role("button", name="注册").click()
    expect(applicant).to_have_url(f"{base}/")

    # A small shop in Kaili's urban area: low voltage, 50 kW.
    applicant.click("#nav-apply")
    applicant.select_option("#id_customer_class", "lv")
    applicant.select_option("#id_county", "522601")
    applicant.check("#id_area_0")
    applicant.fill("#id_address", "凯里市北京东路 8 号")
    applicant.fill("#id_capacity_kw", "50")
    applicant.select_option("#id_voltage_kv", "0.38")
    applicant.click("#apply-next")
    expect(applicant).to_have_url(re.compile(r"/applications/QDN-2026-\d{6}/documents/$"))
    no = re.search(r"QDN-2026-\d{6}", applicant.url)[0]  # type: ignore[index]

    # Exactly the documents policy names for the class, then submit.
    expect(applicant.locator("input[type=file]")).to_have_count(2)
    for kind in ("business_licence", "property_proof"):
        applicant.set_input_files(
            f"#id_doc_{kind}", files=[{"name": f"{kind}.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        )
    applicant.click("#upload-documents")
    expect(applicant.locator("#submit-application")).to_be_enabled()
    applicant.click("#submit-application")
    expect(applicant).to_have_url(f"{base}/applications/{no}/")
    expect(applicant.locator("#status")).to_have_text("办理中")
    expect(applicant.locator("#eligibility")).to_contain_text("零上门、零审批、零投资")
    expect(applicant.locator("#eligibility-rule")).to_contain_text("凯里城区")
    # 三零 from 2022: 15 working days on the full-process clock, from Monday 09:00 to Monday 09:00.
    expect(applicant.locator("#due")).to_contain_text("2026-03-23 09:0")

    # The customer manager finds it in Kaili's queue and accepts it.
    manager = new_page()
    sign_in(manager, base, cm.username, PASSWORD)
    manager.goto(f"{base}/applications/queue/")
    manager.get_by_role("link", name=no).click()
    expect(manager).to_have_url(f"{base}/applications/{no}/")
    expect(manager.locator("#complete-stage")).to_have_text("完成环节：受理申请")
    manager.click("#complete-stage")
    expect(manager.locator("#complete-stage")).to_have_text("完成环节：装表接电")

    # The project manager installs the meter and energises.
    project = new_page()
    sign_in(project, base, pm.username, PASSWORD)
    project.goto(f"{base}/applications/{no}/")
    project.click("#complete-stage")
    expect(project.locator("#complete-stage")).to_have_count(0)
    project.reload()
    expect(project.locator("#status")).to_have_text("已接电")

    # The applicant sees it energised, with the working time on each clock.
    applicant.reload()
    expect(applicant.locator("#status")).to_have_text("已接电")
    for clock in ("#clock-full", "#clock-utility", "#clock-approval"):
        expect(applicant.locator(clock)).to_contain_text("个工作日")
    expect(applicant.locator("#steps")).to_contain_text("装表接电")
