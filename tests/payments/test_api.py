"""The API: the public catalogue, issuing an order (201, or 400 naming the item), listing orders;
and everyone else refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from bandian.applications.models import Event
from bandian.applications.payments.models import PaymentOrder
from tests.api.conftest import bearer, post_json
from tests.payments.conftest import issue

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
    from tests.conftest import submitted

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
