"""Payment orders through their write paths: issued from the catalogue only, paid, cancelled,
refunded, each change on the application's timeline."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bandian.applications.enums import EventType
from bandian.applications.integrity import verify
from bandian.applications.models import Event
from bandian.applications.payments import services
from bandian.applications.payments.models import OrderStatus, PaymentItem, PaymentOrder
from bandian.core.errors import ServiceError, StateConflict
from bandian.core.time import SHANGHAI
from bandian.notify.models import Message
from tests.conftest import submitted
from tests.payments.conftest import issue, pay


def _events(app) -> list[str]:
    return list(Event.objects.filter(application=app).order_by("seq").values_list("type", flat=True))


def test_an_order_from_the_catalogue_copies_the_items_and_goes_on_the_timeline(dual, cm, alice):
    order = issue(dual, cm, quantity="800")
    assert order.no == f"{dual.no}-P01"
    assert order.amount == Decimal("168000.00")  # 800 kVA at 210 元 (illustrative)
    item = order.items.get()
    assert (item.code, item.unit, item.unit_amount, item.basis, item.illustrative) == (
        "high_reliability_cable",
        "kva",
        Decimal("210.00"),
        "发改价格〔2003〕2279号",
        True,
    )
    event = Event.objects.get(application=dual, type=EventType.PAYMENT_ISSUED)
    assert event.actor == cm and event.data["order"] == order.no and event.data["amount"] == "168000.00"
    assert Message.objects.filter(recipient=alice, subject="缴费通知").exists()
    assert verify(application_no=dual.no).ok


def test_the_clocks_and_the_stage_do_not_move(dual, cm):
    before = (dual.status, dual.current_stage, dual.stage_due_at, dual.due_at)
    order = issue(dual, cm)
    pay(order)
    dual.refresh_from_db()
    assert (dual.status, dual.current_stage, dual.stage_due_at, dual.due_at) == before


@pytest.mark.parametrize(
    ("code", "reason"),
    [("connection_fee", "not_in_catalogue"), ("old_fee", "not_in_force")],
)
def test_an_item_outside_the_catalogue_in_force_is_refused_naming_it(boundary_policy, dual, cm, code, reason):
    events = _events(dual)
    with pytest.raises(services.ItemRefused) as refused:
        issue(dual, cm, code=code, quantity="1")
    assert refused.value.code == code and refused.value.reason == reason and code in str(refused.value)
    assert not PaymentOrder.objects.exists() and not PaymentItem.objects.exists() and _events(dual) == events


def test_an_item_for_another_class_is_refused(residential, cm):
    with pytest.raises(services.ItemRefused) as refused:
        issue(residential, cm, quantity="8")
    assert refused.value.reason == "class" and "高可靠性供电费" in str(refused.value)
    assert not PaymentOrder.objects.exists()


def test_an_item_inside_the_investment_boundary_is_refused_for_a_zero_investment_application(
    boundary_policy, alice, kaili, cm, pm
):
    sanling = submitted(alice, kaili, "lv_general", capacity_kw=Decimal("50"), voltage_kv=Decimal("0.38"))
    assert sanling.zero_investment
    with pytest.raises(services.ItemRefused) as refused:
        issue(sanling, cm, code="meter_box", quantity="1")
    assert refused.value.reason == "zero_investment" and "零投资" in str(refused.value)
    assert not PaymentOrder.objects.exists()


def test_the_same_item_is_charged_when_the_application_is_not_zero_investment(boundary_policy, alice, kaili, cm, pm):
    general = submitted(alice, kaili, "lv_general", capacity_kw=Decimal("200"), voltage_kv=Decimal("0.38"))
    assert not general.zero_investment
    assert issue(general, cm, code="meter_box", quantity="1").amount == Decimal("350.00")


@pytest.mark.parametrize("quantity", ["0", "-5", "1.234", "10000001"])
def test_a_bad_quantity_is_refused(dual, cm, quantity):
    with pytest.raises(services.ItemRefused) as refused:
        issue(dual, cm, quantity=quantity)
    assert refused.value.reason == "quantity"
    assert not PaymentOrder.objects.exists()


def test_an_item_twice_and_an_empty_order_are_refused(dual, cm):
    line = services.OrderLine(code="high_reliability_cable", quantity=Decimal(1))
    with pytest.raises(services.ItemRefused) as refused:
        services.payment_order_issue(application=dual, lines=[line, line], actor=cm)
    assert refused.value.reason == "duplicate"
    with pytest.raises(ServiceError):
        services.payment_order_issue(application=dual, lines=[], actor=cm)
    assert not PaymentOrder.objects.exists()


def test_no_order_for_a_closed_application(dual, cm):
    from bandian.applications.services import application_cancel

    application_cancel(application=dual, actor=cm, note="客户不再需要")
    dual.refresh_from_db()
    with pytest.raises(StateConflict):
        issue(dual, cm)
    assert not PaymentOrder.objects.exists()


def test_paid_cancelled_refunded_each_change_recorded_with_its_time(dual, cm):
    at = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
    first = issue(dual, cm, at=at)
    assert first.issued_at == at
    paid = pay(first, transaction="TX-1", at=at + dt.timedelta(hours=1))
    assert paid.status == OrderStatus.PAID and paid.paid_at == at + dt.timedelta(hours=1)
    refunded = services.payment_order_refund(
        order=paid, actor=cm, reason="双电源改为单电源", at=at + dt.timedelta(days=1)
    )
    assert refunded.status == OrderStatus.REFUNDED and refunded.refund_ref.startswith("SBX-R-")
    second = issue(dual, cm, code="high_reliability_overhead")
    assert second.no.endswith("-P02")
    cancelled = services.payment_order_cancel(order=second, actor=cm, reason="开错项目")
    assert cancelled.status == OrderStatus.CANCELLED and cancelled.cancelled_by == cm
    assert [t for t in _events(dual) if t.startswith("payment")] == [
        "payment_issued",
        "payment_paid",
        "payment_refunded",
        "payment_issued",
        "payment_cancelled",
    ]
    paid_event = Event.objects.get(application=dual, type=EventType.PAYMENT_PAID)
    assert paid_event.occurred_at == at + dt.timedelta(hours=1) and paid_event.data["transaction"] == "TX-1"
    assert verify(application_no=dual.no).ok


def test_paying_twice_with_the_same_transaction_changes_nothing(dual, cm):
    order = pay(issue(dual, cm))
    events = _events(dual)
    again = pay(order)
    assert again.status == OrderStatus.PAID and _events(dual) == events


def test_state_changes_out_of_order_are_refused_and_change_nothing(dual, cm):
    order = issue(dual, cm)
    with pytest.raises(StateConflict):
        services.payment_order_refund(order=order, actor=cm, reason="未缴费")
    cancelled = services.payment_order_cancel(order=order, actor=cm, reason="开错")
    events = _events(dual)
    with pytest.raises(StateConflict):
        pay(cancelled)
    with pytest.raises(StateConflict):
        services.payment_order_cancel(order=cancelled, actor=cm, reason="再撤销")
    cancelled.refresh_from_db()
    assert cancelled.status == OrderStatus.CANCELLED and cancelled.paid_at is None and _events(dual) == events


def test_a_wrong_amount_or_a_missing_reason_is_refused(dual, cm):
    order = issue(dual, cm)
    with pytest.raises(ServiceError, match="不符"):
        pay(order, amount=Decimal("1.00"))
    with pytest.raises(ServiceError):
        services.payment_order_cancel(order=order, actor=cm, reason="  ")
    order.refresh_from_db()
    assert order.status == OrderStatus.ISSUED


def test_a_late_payment_and_a_refund_are_recorded_after_the_application_closed(dual, cm):
    from bandian.applications.services import application_cancel

    order = issue(dual, cm)
    application_cancel(application=dual, actor=cm, note="客户撤销")
    paid = pay(order)
    refunded = services.payment_order_refund(order=paid, actor=cm, reason="申请已取消")
    assert refunded.status == OrderStatus.REFUNDED
    assert verify(application_no=dual.no).ok


def test_one_transaction_pays_one_order(dual, cm):
    pay(issue(dual, cm), transaction="TX-SAME")
    second = issue(dual, cm, code="high_reliability_overhead")
    with pytest.raises(ServiceError, match="TX-SAME"):
        pay(second, transaction="TX-SAME")
    second.refresh_from_db()
    assert second.status == OrderStatus.ISSUED
