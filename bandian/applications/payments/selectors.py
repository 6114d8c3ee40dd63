"""Reading the fee catalogue and payment orders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from bandian.applications.models import Application
from bandian.applications.payments.models import OrderStatus, PaymentOrder
from bandian.core.time import SHANGHAI
from bandian.policy.classes import CustomerClass
from bandian.policy.fees import FeeItem, in_force
from bandian.policy.loader import active_policy
from bandian.policy.schema import Policy


def catalogue_in_force(*, at: dt.datetime | dt.date | None = None, policy: Policy | None = None) -> list[FeeItem]:
    """The items of the fee catalogue in force at `at` (default now; a date is a day in
    Asia/Shanghai), in the policy file's order: the public page and `GET /api/v1/public/fees`."""
    policy = policy or active_policy()
    if at is None:
        at = timezone.now()
    day = at.astimezone(SHANGHAI).date() if isinstance(at, dt.datetime) else at
    return in_force(policy.fees, day)


def orders_of(app: Application) -> QuerySet[PaymentOrder]:
    """An application's orders, oldest first, with their items."""
    return PaymentOrder.objects.filter(application=app).prefetch_related("items").order_by("issued_at", "pk")


def charged_by_application(application_ids: QuerySet[Any] | None = None) -> dict[int, Decimal]:
    """{application id: what it was charged and kept}: paid orders count, refunded (and
    cancelled, never paid) ones do not. One query; only applications charged something."""
    orders = PaymentOrder.objects.filter(status=OrderStatus.PAID)
    if application_ids is not None:
        orders = orders.filter(application_id__in=application_ids)
    return dict(orders.values("application_id").annotate(total=Sum("amount")).values_list("application_id", "total"))


def zero_investment_charged() -> QuerySet[Application]:
    """Every application of the zero-investment kind (zero investment decided, or of the 三零
    class) that was charged and kept any fee, by number, with `fees_charged` annotated."""
    paid = Q(payment_orders__status=OrderStatus.PAID)
    return (
        Application.objects.filter(Q(zero_investment=True) | Q(customer_class=CustomerClass.LV_SANLING))
        .filter(paid)
        .annotate(fees_charged=Sum("payment_orders__amount", filter=paid))
        .select_related("county")
        .order_by("no")
    )
