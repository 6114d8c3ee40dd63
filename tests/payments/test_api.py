"""The API: the public catalogue, issuing an order (201, or 400 naming the item), listing orders,
cancelling and refunding them; and everyone else refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from bandian.applications.enums import EventType
from bandian.applications.integrity import verify
from bandian.applications.models import Event
from bandian.applications.payments.models import OrderStatus, PaymentOrder
from bandian.notify.models import Message
from tests.api.conftest import bearer, post_json
from tests.conftest import submitted
from tests.payments.conftest import issue, pay

FEES = "/api/v1/public/fees"


def _orders(app) -> str:
    return f"/api/v1/applications/{app.no}/payment-orders"


def test_anyone_reads_the_catalogue_in_force_with_its_legal_basis(db):
    response = Client().get(FEES)
    assert response.status_code == 200
    fees = {f["code"]: f for f in response.json()}
    assert set(fees) == {"high_reliability_overhead", "high_reliability_cable"}
    cable = fees["high_reliability_cable"]
    assert cable["amount"] == "210.00" and cable["unit"] == "kva" and cable["classes"] == ["hv_dual"]
    assert cable["basis"] == "发改价格〔2003〕2279号" and cable["illustrative"] is True
    assert cable["valid_from"] == "2021-07-13" and cable["valid_to"] is None
    # 取消所有对外常规作业收费项目: nothing for the residential, 三零 or general low-voltage classes.
    assert not [f for f in fees.values() if set(f["classes"]) & {"residential", "lv_sanling", "lv_general"}]


def test_an_expired_item_is_not_in_the_public_catalogue(boundary_policy):
    codes = [f["code"] for f in Client().get(FEES).json()]
    assert "old_fee" not in codes and "meter_box" in codes


def test_the_customer_manager_issues_an_order(dual, cm):
    response = post_json(bearer(cm), _orders(dual), {"items": [{"code": "high_reliability_overhead", "quantity": 800}]})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["no"] == f"{dual.no}-P01" and body["status"] == "issued" and body["amount"] == "128000.00"
    assert body["items"][0]["basis"] == "发改价格〔2003〕2279号" and body["pay_url"] is None  # staff do not pay


def test_the_counter_clerk_may_issue_too(dual, counter):
    response = post_json(bearer(counter), _orders(dual), {"items": [{"code": "high_reliability_cable", "quantity": 1}]})
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("code", "reason"), [("connection_fee", "not_in_catalogue"), ("high_reliability_cable", "class")]
)
def test_a_refused_item_answers_400_naming_it_and_writes_nothing(residential, cm, code, reason):
    events = Event.objects.filter(application=residential).count()
    response = post_json(bearer(cm), _orders(residential), {"items": [{"code": code, "quantity": 1}]})
    assert response.status_code == 400
    body = response.json()
    assert body["item"] == code and body["reason"] == reason and body["detail"]
    assert not PaymentOrder.objects.exists() and Event.objects.filter(application=residential).count() == events


def test_a_zero_investment_application_is_not_charged_inside_the_boundary(boundary_policy, alice, kaili, cm, pm):
    app = submitted(alice, kaili, "lv_general", capacity_kw=Decimal("50"), voltage_kv=Decimal("0.38"))
    response = post_json(bearer(cm), _orders(app), {"items": [{"code": "meter_box", "quantity": 1}]})
    assert response.status_code == 400 and response.json()["reason"] == "zero_investment"
    assert not PaymentOrder.objects.exists()


def test_malformed_input_is_422_and_writes_nothing(dual, cm):
    client = bearer(cm)
    assert post_json(client, _orders(dual), {"items": []}).status_code == 422
    assert post_json(client, _orders(dual), {"items": [{"code": "x\x00", "quantity": 1}]}).status_code == 422
    assert post_json(client, _orders(dual), {"items": [{"quantity": 1}]}).status_code == 422
    assert not PaymentOrder.objects.exists()


def test_outsiders_may_not_issue(dual, alice, bob, pm, cm_elsewhere, supervisor):
    body = {"items": [{"code": "high_reliability_cable", "quantity": 800}]}
    assert post_json(Client(), _orders(dual), body).status_code == 401
    assert post_json(bearer(alice), _orders(dual), body).status_code == 403  # the applicant
    assert post_json(bearer(pm), _orders(dual), body).status_code == 403  # the project manager
    assert post_json(bearer(supervisor), _orders(dual), body).status_code == 403
    assert post_json(bearer(bob), _orders(dual), body).status_code == 404
    assert post_json(bearer(cm_elsewhere), _orders(dual), body).status_code == 404
    assert not PaymentOrder.objects.exists()


def test_the_applicant_and_staff_list_the_orders_outsiders_do_not(dual, cm, alice, bob, cm_elsewhere, supervisor):
    order = issue(dual, cm)
    mine = bearer(alice).get(_orders(dual))
    assert mine.status_code == 200
    [row] = mine.json()
    assert row["no"] == order.no and row["pay_url"] == f"/payments/orders/{order.no}/pay/"
    assert bearer(cm).get(_orders(dual)).json()[0]["pay_url"] is None
    assert bearer(supervisor).get(_orders(dual)).status_code == 200
    assert Client().get(_orders(dual)).status_code == 401
    assert bearer(bob).get(_orders(dual)).status_code == 404
    assert bearer(cm_elsewhere).get(_orders(dual)).status_code == 404


def _change(app, order, action: str) -> str:
    return f"{_orders(app)}/{order.no}/{action}"


def _payment_events(app) -> list[tuple[str, str, str]]:
    rows = Event.objects.filter(application=app, type__startswith="payment_").order_by("seq")
    return [(e.type, e.actor.username if e.actor else "", e.note) for e in rows]


def test_the_counter_clerk_cancels_an_order_waiting_for_payment(dual, cm, counter, alice):
    order = issue(dual, cm)
    response = post_json(bearer(counter), _change(dual, order, "cancel"), {"reason": "开错项目"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["no"] == order.no and body["status"] == "cancelled" and body["reason"] == "开错项目"
    assert body["cancelled_at"] and body["pay_url"] is None
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and order.cancelled_by == counter
    assert _payment_events(dual)[-1] == (EventType.PAYMENT_CANCELLED, counter.username, "开错项目")
    assert Message.objects.filter(recipient=alice, subject="缴费通知单已撤销").exists()
    assert verify(application_no=dual.no).ok


def test_the_customer_manager_refunds_a_paid_order(dual, cm, alice):
    order = pay(issue(dual, cm))
    response = post_json(bearer(cm), _change(dual, order, "refund"), {"reason": "改为单电源"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "refunded" and body["refunded_at"] and body["reason"] == "改为单电源"
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED and order.refunded_by == cm and order.refund_ref.startswith("SBX-R-")
    event = Event.objects.get(application=dual, type=EventType.PAYMENT_REFUNDED)
    assert event.actor == cm and event.note == "改为单电源" and event.data["refund"] == order.refund_ref
    assert Message.objects.filter(recipient=alice, subject="退费").exists()
    assert verify(application_no=dual.no).ok


@pytest.mark.parametrize("action", ["cancel", "refund"])
def test_outsiders_and_the_applicant_may_not_cancel_or_refund(
    dual, cm, alice, bob, pm, cm_elsewhere, supervisor, action
):
    order = issue(dual, cm)
    if action == "refund":
        order = pay(order)
    url, body = _change(dual, order, action), {"reason": "x"}
    events = _payment_events(dual)
    assert post_json(Client(), url, body).status_code == 401
    # As on the pages: the applicant, the project manager and supervisors see the order but may
    # not change it (403); an application the caller may not see is 404 (the API's rule, where
    # the pages tell another county's staff 403).
    for user, status in ((alice, 403), (pm, 403), (supervisor, 403), (bob, 404), (cm_elsewhere, 404)):
        response = post_json(bearer(user), url, body)
        assert response.status_code == status, user
        assert response.json()["detail"]
    before = order.status
    order.refresh_from_db()
    assert order.status == before and _payment_events(dual) == events


@pytest.mark.parametrize("action", ["cancel", "refund"])
@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 422),  # no reason
        ({"reason": ""}, 422),
        ({"reason": "x" * 201}, 422),
        ({"reason": "理由\x00"}, 422),
        ({"reason": "   "}, 400),  # blank: the service's own refusal
        ("not json", 400),
    ],
)
def test_bad_input_is_a_clear_4xx_and_changes_nothing(dual, cm, action, body, status):
    order = issue(dual, cm)
    if action == "refund":
        order = pay(order)
    events = _payment_events(dual)
    client = bearer(cm)
    url = _change(dual, order, action)
    if isinstance(body, str):
        response = client.post(url, data=body, content_type="application/json")
    else:
        response = post_json(client, url, body)
    assert response.status_code == status, response.content
    assert response.json()["detail"]
    before = order.status
    order.refresh_from_db()
    assert order.status == before and _payment_events(dual) == events


@pytest.mark.parametrize("action", ["cancel", "refund"])
def test_an_unknown_order_or_one_of_another_application_is_404(dual, cm, alice, kaili, action):
    other = submitted(alice, kaili, "hv_dual", capacity_kw=Decimal("800"), voltage_kv=Decimal("10"))
    order = issue(other, cm)
    client = bearer(cm)
    for order_no in (order.no, "NO-SUCH", "x" * 41, "P01\x00"):
        response = post_json(client, f"{_orders(dual)}/{order_no}/{action}", {"reason": "x"})
        assert response.status_code == 404, order_no
        assert response.json()["detail"]
    order.refresh_from_db()
    assert order.status == OrderStatus.ISSUED


def test_a_repeat_or_the_wrong_state_is_409_and_changes_nothing(dual, cm):
    client = bearer(cm)
    cancelled = issue(dual, cm)
    assert post_json(client, _change(dual, cancelled, "cancel"), {"reason": "开错"}).status_code == 200
    paid = pay(issue(dual, cm, code="high_reliability_overhead"))
    assert post_json(client, _change(dual, paid, "refund"), {"reason": "改方案"}).status_code == 200
    events = _payment_events(dual)
    for order, action, words in (
        (cancelled, "cancel", "只能撤销待缴费的通知单"),  # twice
        (paid, "refund", "只能为已缴费的通知单退费"),  # twice
        (cancelled, "refund", "只能为已缴费的通知单退费"),
        (paid, "cancel", "只能撤销待缴费的通知单"),
    ):
        response = post_json(client, _change(dual, order, action), {"reason": "再来一次"})
        assert response.status_code == 409, (order.no, action)
        assert words in response.json()["detail"]
    assert _payment_events(dual) == events
    cancelled.refresh_from_db()
    paid.refresh_from_db()
    assert (cancelled.status, paid.status) == (OrderStatus.CANCELLED, OrderStatus.REFUNDED)
