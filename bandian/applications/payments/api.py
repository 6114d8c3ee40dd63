"""The fee catalogue and payment orders in the API (mounted at /api/v1/ by bandian/api.py).

`GET /public/fees` (no authentication), `GET` and `POST /applications/{no}/payment-orders`,
`POST /applications/{no}/payment-orders/{order_no}/cancel` and `/refund`. An order refused for
one of its items answers 400 with the item's code and why.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import AuthorizationError
from ninja.responses import Status as Reply
from pydantic import AfterValidator, Field

from bandian.accounts.auth import api_auth
from bandian.accounts.models import User
from bandian.applications.api import api_application, api_user
from bandian.applications.models import Application
from bandian.applications.payments import rules, selectors, services
from bandian.applications.payments.models import OrderStatus, PaymentOrder
from bandian.core import limits
from bandian.core.schemas import ERRORS, READ_ERRORS, ErrorOut, errors
from bandian.core.time import SHANGHAI
from bandian.policy.fees import FeeItem

router = Router()


def _storable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Text = Annotated[str, AfterValidator(_storable)]


class FeeOut(Schema):
    code: str
    name: str
    name_en: str
    amount: Decimal = Field(description="yuan per unit")
    unit: str = Field(description="item (a fixed sum), kva, kw or m: the amount is per one of these")
    unit_name: str
    classes: list[str] = Field(description="the customer classes it may be charged to")
    basis: str = Field(description="the document that sets it (its number)")
    illustrative: bool = Field(description="the amount is an example, to be set from the local price document")
    within_investment_boundary: bool = Field(description="never charged to a zero-investment application")
    valid_from: dt.date
    valid_to: dt.date | None


class OrderLineIn(Schema):
    code: Text = Field(min_length=1, max_length=limits.CODE_MAX)
    quantity: Decimal = Field(Decimal(1), description="units of the item (kVA for a per-kVA fee)")


class PaymentOrderIn(Schema):
    items: list[OrderLineIn] = Field(min_length=1, max_length=services.ITEMS_MAX)
    note: Text = Field("", max_length=limits.SHORT_MAX)


class ReasonIn(Schema):
    reason: Text = Field(min_length=1, max_length=limits.SHORT_MAX, description="why, shown to the applicant")


class ItemRefusedOut(ErrorOut):
    item: str = Field(description="the code of the item refused")
    reason: str = Field(description="not_in_catalogue, not_in_force, class, zero_investment, quantity or duplicate")


class PaymentItemOut(Schema):
    code: str
    name: str
    unit: str
    unit_amount: Decimal
    quantity: Decimal
    amount: Decimal
    basis: str
    illustrative: bool


class PaymentOrderOut(Schema):
    no: str
    application_no: str
    status: str
    status_name: str
    amount: Decimal
    items: list[PaymentItemOut]
    issued_at: dt.datetime
    paid_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    refunded_at: dt.datetime | None
    provider: str
    transaction: str
    reason: str
    pay_url: str | None = Field(description="where the applicant pays an order waiting for payment")


def fee_out(item: FeeItem) -> dict[str, Any]:
    return {
        "code": item.code,
        "name": item.zh,
        "name_en": item.en,
        "amount": item.amount.quantize(services.CENT),
        "unit": item.unit,
        "unit_name": item.unit_label(),
        "classes": [str(c) for c in item.classes],
        "basis": item.basis,
        "illustrative": item.illustrative,
        "within_investment_boundary": item.within_investment_boundary,
        "valid_from": item.valid_from,
        "valid_to": item.valid_to,
    }


def _local(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(SHANGHAI) if value is not None else None


def order_out(order: PaymentOrder, *, app: Application, user: User) -> dict[str, Any]:
    from django.urls import reverse

    status_name = str(OrderStatus(order.status).label)
    payable = order.status == OrderStatus.ISSUED and rules.can_pay(user, app)
    return {
        "no": order.no,
        "application_no": app.no,
        "status": order.status,
        "status_name": status_name,
        "amount": order.amount,
        "items": [
            {
                "code": i.code,
                "name": i.name,
                "unit": i.unit,
                "unit_amount": i.unit_amount,
                "quantity": i.quantity,
                "amount": i.amount,
                "basis": i.basis,
                "illustrative": i.illustrative,
            }
            for i in order.items.all()
        ],
        "issued_at": _local(order.issued_at),
        "paid_at": _local(order.paid_at),
        "cancelled_at": _local(order.cancelled_at),
        "refunded_at": _local(order.refunded_at),
        "provider": order.provider,
        "transaction": order.provider_ref,
        "reason": order.reason,
        "pay_url": reverse("payments:pay", kwargs={"order_no": order.no}) if payable else None,
    }


@router.get("/public/fees", response=list[FeeOut], auth=None, summary="The fee catalogue in force (收费项目目录清单)")
def public_fees(request: HttpRequest) -> list[dict[str, Any]]:
    """Every item that may be charged today, with its legal basis. Nothing outside it may be."""
    return [fee_out(item) for item in selectors.catalogue_in_force()]


@router.get(
    "/applications/{no}/payment-orders",
    auth=api_auth,
    response={200: list[PaymentOrderOut], **READ_ERRORS},
    summary="An application's payment orders",
)
def payment_orders(request: HttpRequest, no: str) -> list[dict[str, Any]]:
    user, app = api_user(request), api_application(request, no)
    if not rules.can_view_orders(user, app):
        raise AuthorizationError(message=_("没有权限查看缴费通知单"))
    return [order_out(o, app=app, user=user) for o in selectors.orders_of(app)]


@router.post(
    "/applications/{no}/payment-orders",
    auth=api_auth,
    response={201: PaymentOrderOut, **ERRORS, 400: ItemRefusedOut | ErrorOut},  # type: ignore[dict-item]
    summary="Staff: issue a payment order from catalogue items",
)
def payment_order_issue(request: HttpRequest, no: str, payload: PaymentOrderIn) -> Reply[dict[str, Any]]:
    """The county's customer managers and counter clerks, for an application in progress. Every
    item must be in the catalogue in force, for the application's class, and not inside the
    investment boundary of a zero-investment application: else 400 naming the item and why."""
    user, app = api_user(request), api_application(request, no)
    if not rules.can_issue(user, app):
        raise AuthorizationError(message=_("只有本县（市）的客户经理或营业厅人员可以开具缴费通知单"))
    lines = [services.OrderLine(code=line.code, quantity=line.quantity) for line in payload.items]
    try:
        order = services.payment_order_issue(application=app, lines=lines, actor=user, note=payload.note)
    except services.ItemRefused as exc:
        return Reply(400, {"detail": str(exc), "item": exc.code, "reason": exc.reason})
    return Reply(201, order_out(order, app=app, user=user))


def _order(app: Application, order_no: str) -> PaymentOrder:
    """The application's order `order_no`, else 404 (also for a malformed number)."""
    order = None
    if order_no and len(order_no) <= 40 and "\x00" not in order_no:
        order = PaymentOrder.objects.filter(application=app, no=order_no).first()
    if order is None:
        raise Http404(_("没有这张缴费通知单：%(o)s") % {"o": order_no[:40]})
    return order


@router.post(
    "/applications/{no}/payment-orders/{order_no}/cancel",
    auth=api_auth,
    response={200: PaymentOrderOut, **ERRORS},
    summary="Staff: cancel an order waiting for payment, with the reason (JSON `reason`)",
)
def payment_order_cancel(request: HttpRequest, no: str, order_no: str, payload: ReasonIn) -> dict[str, Any]:
    """The county's customer managers and counter clerks, as on the application page. Only an
    order waiting for payment (else 409); the applicant is told the reason."""
    user, app = api_user(request), api_application(request, no)
    if not rules.can_issue(user, app):
        raise AuthorizationError(message=_("只有本县（市）的客户经理或营业厅人员可以撤销缴费通知单"))
    order = services.payment_order_cancel(order=_order(app, order_no), actor=user, reason=payload.reason)
    return order_out(order, app=app, user=user)


@router.post(
    "/applications/{no}/payment-orders/{order_no}/refund",
    auth=api_auth,
    response={200: PaymentOrderOut, **ERRORS},
    summary="Staff: refund a paid order in full through its provider, with the reason (JSON `reason`)",
)
def payment_order_refund(request: HttpRequest, no: str, order_no: str, payload: ReasonIn) -> dict[str, Any]:
    """The county's customer managers and counter clerks, as on the application page. Only a
    paid order (else 409), the whole amount, through the provider that took it."""
    user, app = api_user(request), api_application(request, no)
    if not rules.can_issue(user, app):
        raise AuthorizationError(message=_("只有本县（市）的客户经理或营业厅人员可以办理退费"))
    order = services.payment_order_refund(order=_order(app, order_no), actor=user, reason=payload.reason)
    return order_out(order, app=app, user=user)


class ChargedOut(Schema):
    no: str
    customer_class: str
    county: str
    status: str
    zero_investment: bool
    fees_charged: Decimal = Field(description="yuan paid and not refunded")


@router.get(
    "/supervision/zero-investment-charges",
    auth=api_auth,
    response={200: list[ChargedOut], **errors(401, 403)},
    summary="Supervisors: every zero-investment application that was charged",
)
def zero_investment_charges(request: HttpRequest) -> list[dict[str, Any]]:
    """Every application decided zero-investment, or of the 三零 class, that paid a fee and was
    not refunded, whatever its year or state: the plan allows none inside the boundary."""
    if not rules.can_see_charges_everywhere(request.auth):  # type: ignore[attr-defined]
        raise AuthorizationError(message=_("只有监管人员和系统管理员可以查看"))
    return [
        {
            "no": app.no,
            "customer_class": app.customer_class,
            "county": app.county_id,
            "status": app.status,
            "zero_investment": app.zero_investment,
            "fees_charged": Decimal(app.fees_charged).quantize(services.CENT),  # type: ignore[attr-defined]
        }
        for app in selectors.zero_investment_charged()
    ]
