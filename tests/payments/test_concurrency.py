"""Two changes of one order at the same moment (PostgreSQL): the order's lock lets exactly one
through, and the other is refused on the state it finds."""

from __future__ import annotations

import pytest
from django.db import connection

from bandian.applications.enums import EventType
from bandian.applications.integrity import verify_all
from bandian.applications.models import Event
from bandian.applications.payments import services
from bandian.applications.payments.models import OrderStatus, PaymentOrder
from bandian.core.errors import ServiceError, StateConflict
from tests.payments.conftest import issue
from tests.timeline.test_concurrency import race

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL"
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_payment_and_a_cancellation_at_once_exactly_one_wins(dual, cm):
    order = issue(dual, cm)

    def pay():
        return services.payment_order_pay(
            order=PaymentOrder.objects.get(pk=order.pk), provider="sandbox", transaction_ref="TX-R", amount=order.amount
        )

    def cancel():
        return services.payment_order_cancel(order=PaymentOrder.objects.get(pk=order.pk), actor=cm, reason="撤销")

    outcomes = race(pay, cancel)
    won = [o for o in outcomes if isinstance(o, PaymentOrder)]
    refused = [o for o in outcomes if isinstance(o, StateConflict)]
    assert len(won) == 1 and len(refused) == 1, outcomes
    order.refresh_from_db()
    assert order.status == won[0].status
    types = {EventType.PAYMENT_PAID, EventType.PAYMENT_CANCELLED}
    assert Event.objects.filter(application=dual, type__in=types).count() == 1
    assert verify_all() == []


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_payments_of_one_order_at_once_record_one(dual, cm):
    order = issue(dual, cm)

    def pay(ref: str):
        return lambda: services.payment_order_pay(
            order=PaymentOrder.objects.get(pk=order.pk), provider="sandbox", transaction_ref=ref, amount=order.amount
        )

    outcomes = race(pay("TX-A"), pay("TX-B"))
    assert sum(isinstance(o, PaymentOrder) for o in outcomes) == 1
    assert sum(isinstance(o, ServiceError) for o in outcomes) == 1, outcomes
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert Event.objects.filter(application=dual, type=EventType.PAYMENT_PAID).count() == 1
