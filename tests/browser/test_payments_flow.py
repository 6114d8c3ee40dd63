"""Payment orders in a real browser: the customer manager issues the high-reliability fee from
the application page (htmx, a refused item shown in the form first), the applicant pays it on the
sandbox page, which says it is not real money, and sees it paid."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from bandian.applications.payments.models import OrderStatus, PaymentOrder
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, submitted

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_issue_and_the_applicant_pays_in_the_sandbox(new_page, live_server, alice, kaili, cm, pm):
    app = submitted(alice, kaili, "hv_dual", capacity_kw=Decimal("800"), voltage_kv=Decimal("10"))
    base = live_server.url

    staff: Page = new_page()
    sign_in(staff, base, cm.username, PASSWORD)
    staff.goto(f"{base}/applications/{app.no}/")
    form = staff.locator("#issue-form")
    form.locator("select[name=code]").select_option("high_reliability_cable")
    form.locator("input[name=quantity]").fill("-3")  # refused by the browser? the server says why
    form.locator("input[name=quantity]").evaluate("e => e.removeAttribute('min')")
    form.get_by_role("button", name="开具").click()
    expect(staff.locator("#issue-form .errorlist")).to_be_visible()
    assert not PaymentOrder.objects.exists()
    staff.locator("#issue-form input[name=quantity]").fill("800")
    staff.locator("#issue-form").get_by_role("button", name="开具").click()
    expect(staff.locator("#payment-orders")).to_contain_text("168000.00")
    expect(staff.locator("#payment-orders")).to_contain_text("待缴费")

    applicant: Page = new_page()
    sign_in(applicant, base, alice.username, PASSWORD)
    applicant.goto(f"{base}/applications/{app.no}/")
    order = PaymentOrder.objects.get()
    applicant.locator(f"#pay-{order.no}").click()
    expect(applicant).to_have_url(re.compile(f"/payments/sandbox/{order.no}/"))
    expect(applicant.locator("#sandbox-banner")).to_contain_text("非真实支付")
    applicant.locator("#sandbox-fail").click()
    expect(applicant.locator("body")).to_contain_text("支付未完成")
    applicant.locator(f"#pay-{order.no}").click()
    applicant.locator("#sandbox-pay").click()
    expect(applicant.locator("#payment-orders")).to_contain_text("已缴费")
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
