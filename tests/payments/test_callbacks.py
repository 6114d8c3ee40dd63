"""The provider's callback: signed (HMAC over timestamp, nonce and raw body), idempotent, and
safe against replay; whatever is refused changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from bandian.applications.enums import EventType
from bandian.applications.models import Event
from bandian.applications.payments.callbacks import signed_headers
from bandian.applications.payments.models import OrderStatus
from bandian.applications.payments.providers.sandbox import notice_body
from tests.payments.conftest import issue

URL = "/payments/callback/sandbox/"


def _headers(headers: dict[str, str]) -> dict[str, str]:
    return {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}


def _post(body: bytes, headers: dict[str, str], url: str = URL):
    return Client().post(url, data=body, content_type="application/json", **_headers(headers))


def _notice(order, *, outcome="paid", amount=None, transaction="SBX-0001", at=None) -> bytes:
    return notice_body(
        order_no=order.no,
        outcome=outcome,
        amount=order.amount if amount is None else amount,
        transaction=transaction,
        at=at or timezone.now(),
    )


@pytest.fixture
def order(dual, cm):
    return issue(dual, cm)


def _paid_events(order) -> int:
    return Event.objects.filter(application=order.application, type=EventType.PAYMENT_PAID).count()


def test_a_signed_callback_pays_the_order(order):
    body = _notice(order)
    response = _post(body, signed_headers(body, at=timezone.now()))
    assert response.status_code == 200 and response.json()["status"] == "ok"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.provider == "sandbox" and order.provider_ref == "SBX-0001"
    assert _paid_events(order) == 1


def test_the_same_notice_again_answers_ok_and_changes_nothing(order):
    body = _notice(order)
    assert _post(body, signed_headers(body, at=timezone.now())).status_code == 200
    order.refresh_from_db()
    paid_at = order.paid_at
    again = _post(body, signed_headers(body, at=timezone.now()))  # a provider's retry: a fresh nonce
    assert again.status_code == 200 and again.json()["order_status"] == "paid"
    order.refresh_from_db()
    assert order.paid_at == paid_at and _paid_events(order) == 1


def test_a_reused_nonce_is_refused(order):
    body = _notice(order, outcome="failed")
    headers = signed_headers(body, at=timezone.now(), nonce="n" * 24)
    assert _post(body, headers).status_code == 200
    paid = _notice(order)
    replay = _post(paid, signed_headers(paid, at=timezone.now(), nonce="n" * 24))
    assert replay.status_code == 400 and "重放" in replay.json()["detail"]
    order.refresh_from_db()
    assert order.status == OrderStatus.ISSUED and _paid_events(order) == 0


def test_an_old_or_future_timestamp_is_refused(order):
    body = _notice(order)
    for shift in (dt.timedelta(minutes=-6), dt.timedelta(minutes=6)):
        response = _post(body, signed_headers(body, at=timezone.now() + shift))
        assert response.status_code == 400 and "时间戳" in response.json()["detail"]
    order.refresh_from_db()
    assert order.status == OrderStatus.ISSUED


def test_a_callback_recorded_and_replayed_later_is_refused(order):
    start = timezone.now()
    body = _notice(order, at=start)
    headers = signed_headers(body, at=start)
    with time_machine.travel(start + dt.timedelta(minutes=10), tick=False):
        assert _post(body, headers).status_code == 400
    order.refresh_from_db()
    assert order.status == OrderStatus.ISSUED


def test_a_tampered_body_is_refused_and_nothing_changes(order):
    body = _notice(order, amount=Decimal("1.00"))
    headers = signed_headers(body, at=timezone.now())
    tampered = body.replace(b'"1.00"', b'"2.00"')
    response = _post(tampered, headers)
    assert response.status_code == 400 and "签名" in response.json()["detail"]
    order.refresh_from_db()
    assert order.status == OrderStatus.ISSUED and _paid_events(order) == 0


def test_a_signature_with_another_secret_or_missing_headers_is_refused(order):
    body = _notice(order)
    assert _post(body, signed_headers(body, at=timezone.now(), secret="not-the-secret")).status_code == 400
    assert _post(body, {}).status_code == 400
    headers = signed_headers(body, at=timezone.now())
    headers["X-Payment-Signature"] = headers["X-Payment-Signature"].upper()[:-1] + "Z"
    assert _post(body, headers).status_code == 400
    order.refresh_from_db()
    assert order.status == OrderStatus.ISSUED


def test_a_signed_notice_with_the_wrong_amount_is_refused(order):
    body = _notice(order, amount=Decimal("1.00"))
    response = _post(body, signed_headers(body, at=timezone.now()))
    assert response.status_code == 400 and "不符" in response.json()["detail"]
    order.refresh_from_db()
    assert order.status == OrderStatus.ISSUED


def test_a_payment_for_a_cancelled_order_is_a_conflict(order, cm):
    from bandian.applications.payments.services import payment_order_cancel

    payment_order_cancel(order=order, actor=cm, reason="开错")
    body = _notice(order)
    assert _post(body, signed_headers(body, at=timezone.now())).status_code == 409
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED


def test_callbacks_for_another_provider_and_get_requests_are_refused(order):
    body = _notice(order)
    assert _post(body, signed_headers(body, at=timezone.now()), url="/payments/callback/wechat/").status_code == 400
    assert Client().get(URL).status_code == 405
    order.refresh_from_db()
    assert order.status == OrderStatus.ISSUED


def test_garbage_signed_correctly_is_refused(order):
    body = b"not json"
    assert _post(body, signed_headers(body, at=timezone.now())).status_code == 400
    order.refresh_from_db()
    assert order.status == OrderStatus.ISSUED


def test_the_very_same_request_twice_is_a_replay(order):
    body = _notice(order)
    headers = signed_headers(body, at=timezone.now())
    assert _post(body, headers).status_code == 200
    assert _post(body, headers).status_code == 400
    assert _paid_events(order) == 1


def test_without_a_secret_every_callback_is_refused(order, settings):
    body = _notice(order)
    headers = signed_headers(body, at=timezone.now(), secret="")
    settings.PAYMENT_CALLBACK_SECRET = ""
    assert _post(body, headers).status_code == 400
    order.refresh_from_db()
    assert order.status == OrderStatus.ISSUED
