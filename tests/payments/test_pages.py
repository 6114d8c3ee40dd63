"""The pages: the applicant sees the orders and pays on the sandbox page; the county's customer
managers and counter clerks issue, cancel and refund from the application page; outsiders refused."""

from __future__ import annotations

import pytest

from bandian.applications.payments.models import OrderStatus, PaymentOrder
from tests.conftest import client_for
from tests.payments.conftest import issue, pay

HX = {"HTTP_HX_REQUEST": "true"}


def _page(user, app) -> str:
    return client_for(user).get(f"/applications/{app.no}/").content.decode()


def test_staff_see_the_issue_form_with_the_items_that_apply(dual, cm, pm):
    page = _page(cm, dual)
    assert 'id="issue-form"' in page and "高可靠性供电费（10千伏双电源，电缆线路）" in page
    assert 'id="issue-form"' not in _page(pm, dual)


def test_no_issue_form_where_no_catalogue_item_applies(residential, cm):
    assert 'id="issue-form"' not in _page(cm, residential)


def test_staff_issue_an_order_with_htmx(dual, cm, alice):
    response = client_for(cm).post(
        f"/payments/applications/{dual.no}/issue/",
        {"code": "high_reliability_cable", "quantity": "800", "note": "双电源"},
        **HX,
    )
    assert response.status_code == 200 and response["HX-Redirect"] == f"/applications/{dual.no}/"
    order = PaymentOrder.objects.get()
    assert order.amount == 168000 and order.issued_by == cm
    page = _page(alice, dual)
    assert order.no in page and "待缴费" in page and f"/payments/orders/{order.no}/pay/" in page


def test_a_refused_item_is_a_form_error_and_writes_nothing(dual, cm):
    response = client_for(cm).post(
        f"/payments/applications/{dual.no}/issue/", {"code": "connection_fee", "quantity": "1"}, **HX
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="payments"' in body and "connection_fee" in body and "不在收费项目目录清单中" in body
    assert not PaymentOrder.objects.exists()


def test_a_refused_item_without_htmx_shows_the_whole_page_with_the_error(dual, cm):
    response = client_for(cm).post(f"/payments/applications/{dual.no}/issue/", {"code": "x", "quantity": "1"})
    assert response.status_code == 400 and "不在收费项目目录清单中" in response.content.decode()
    assert not PaymentOrder.objects.exists()


def test_outsiders_may_not_issue(dual, alice, bob, pm, cm_elsewhere, supervisor):
    url = f"/payments/applications/{dual.no}/issue/"
    data = {"code": "high_reliability_cable", "quantity": "800"}
    assert client_for(None).post(url, data).status_code == 302  # to the login page
    for user, status in ((alice, 403), (pm, 403), (supervisor, 403), (cm_elsewhere, 403), (bob, 404)):
        assert client_for(user).post(url, data).status_code == status, user
    assert not PaymentOrder.objects.exists()


def test_the_applicant_pays_on_the_sandbox_page(dual, cm, alice):
    order = issue(dual, cm)
    client = client_for(alice)
    to_provider = client.get(f"/payments/orders/{order.no}/pay/")
    assert to_provider.status_code == 302 and to_provider["Location"] == f"/payments/sandbox/{order.no}/"
    sandbox = client.get(to_provider["Location"]).content.decode()
    assert "沙箱" in sandbox and "非真实支付" in sandbox and "168000.00" in sandbox
    done = client.post(f"/payments/sandbox/{order.no}/", {"outcome": "paid"}, follow=True)
    assert "支付成功（沙箱）" in done.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.provider_ref.startswith("SBX-")


def test_a_failed_sandbox_payment_leaves_the_order_to_pay(dual, cm, alice):
    order = issue(dual, cm)
    done = client_for(alice).post(f"/payments/sandbox/{order.no}/", {"outcome": "failed"}, follow=True)
    assert "支付未完成" in done.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.ISSUED
    assert client_for(alice).post(f"/payments/sandbox/{order.no}/", {"outcome": "maybe"}).status_code == 400


def test_only_the_applicant_pays(dual, cm, bob, cm_elsewhere, supervisor):
    order = issue(dual, cm)
    for user, status in ((cm, 403), (supervisor, 403), (cm_elsewhere, 403), (bob, 404)):
        assert client_for(user).get(f"/payments/orders/{order.no}/pay/").status_code == status, user
        assert client_for(user).post(f"/payments/sandbox/{order.no}/", {"outcome": "paid"}).status_code == status
    assert client_for(None).get(f"/payments/sandbox/{order.no}/").status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.ISSUED


def test_a_paid_order_cannot_be_paid_again_on_the_page(dual, cm, alice):
    order = pay(issue(dual, cm))
    response = client_for(alice).get(f"/payments/orders/{order.no}/pay/", follow=True)
    assert "不是待缴费状态" in response.content.decode()


def test_staff_cancel_an_open_order_and_refund_a_paid_one(dual, cm, counter):
    first = issue(dual, cm)
    second = pay(issue(dual, cm, code="high_reliability_overhead"))
    response = client_for(counter).post(f"/payments/orders/{first.no}/cancel/", {"reason": "开错项目"}, **HX)
    assert response.status_code == 200 and response["HX-Redirect"] == f"/applications/{dual.no}/"
    response = client_for(cm).post(f"/payments/orders/{second.no}/refund/", {"reason": "改为单电源"}, **HX)
    assert response.status_code == 200
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (OrderStatus.CANCELLED, OrderStatus.REFUNDED)
    page = _page(cm, dual)
    assert "已撤销" in page and "已退费" in page and "改为单电源" in page


def test_a_refused_cancellation_is_a_form_error(dual, cm):
    order = pay(issue(dual, cm))
    response = client_for(cm).post(f"/payments/orders/{order.no}/cancel/", {"reason": "想撤销"}, **HX)
    assert response.status_code == 400 and "只能撤销待缴费的通知单" in response.content.decode()
    response = client_for(cm).post(f"/payments/orders/{order.no}/refund/", {"reason": ""}, **HX)
    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


@pytest.mark.parametrize("action", ["cancel", "refund"])
def test_outsiders_may_not_cancel_or_refund(dual, cm, alice, bob, pm, cm_elsewhere, action):
    order = issue(dual, cm)
    if action == "refund":
        order = pay(order)
    url = f"/payments/orders/{order.no}/{action}/"
    assert client_for(None).post(url, {"reason": "x"}).status_code == 302
    for user, status in ((alice, 403), (pm, 403), (cm_elsewhere, 403), (bob, 404)):
        assert client_for(user).post(url, {"reason": "x"}).status_code == status, user
    assert client_for(cm).post("/payments/orders/NO-SUCH/cancel/", {"reason": "x"}).status_code == 404
    before = order.status
    order.refresh_from_db()
    assert order.status == before


def test_other_applicants_do_not_see_the_orders(dual, cm, bob):
    order = issue(dual, cm)
    assert client_for(bob).get(f"/applications/{dual.no}/").status_code == 404
    assert order.no not in client_for(bob).get("/applications/").content.decode()


def test_the_section_speaks_english_when_asked(dual, cm, alice):
    order = issue(dual, cm)
    client = client_for(alice)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(f"/applications/{dual.no}/").content.decode()
    assert "Pay online" in page and "Awaiting payment" in page
    assert "High-reliability supply fee (10 kV dual supply, cable line)" in page and order.no in page
    sandbox = client.get(f"/payments/sandbox/{order.no}/").content.decode()
    assert "not a real payment" in sandbox
