"""The write paths of payment orders: issue, pay, cancel, refund, and a provider's notice.

Each is keyword-only and time-aware (`at=`, default now), takes the order (or, to issue, the
application) under lock, checks the order's state, changes it, and records the change on the
application's timeline through `record_event` in the same transaction. Who may act is decided by
payments/rules.py, asked by the pages and the API before they call these.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bandian.accounts.models import User
from bandian.applications.enums import EventType, Status
from bandian.applications.models import Application
from bandian.applications.payments.models import CallbackNonce, OrderStatus, PaymentItem, PaymentOrder
from bandian.applications.payments.providers import Notice, get_provider
from bandian.applications.services import record_event
from bandian.core.errors import ServiceError, StateConflict
from bandian.core.time import SHANGHAI
from bandian.notify.services import notify
from bandian.policy.fees import FeeItem, in_force
from bandian.policy.loader import active_policy
from bandian.policy.schema import Policy

CENT = Decimal("0.01")
QUANTITY_MAX = Decimal("1000000")
ITEMS_MAX = 20


class ItemRefused(ServiceError):
    """An item of an order refused: `code` names it, `reason` says why (a stable word for the
    API: not_in_catalogue, not_in_force, class, zero_investment, quantity, duplicate)."""

    def __init__(self, message: str, *, code: str, reason: str) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason


class CallbackRefused(ServiceError):
    """A provider's callback that is not taken: bad signature, too old, a reused nonce, a
    notice that does not match the order. Nothing was written."""


@dataclass(frozen=True)
class OrderLine:
    code: str
    quantity: Decimal


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT)


def _day(at: dt.datetime) -> dt.date:
    return at.astimezone(SHANGHAI).date()


def check_items(
    app: Application, lines: list[OrderLine], *, policy: Policy, day: dt.date
) -> list[tuple[FeeItem, Decimal]]:
    """The catalogue items the lines name, each checked for this application on this day;
    ItemRefused for the first line refused."""
    if not lines:
        raise ServiceError(_("缴费通知单至少要有一个收费项目"))
    if len(lines) > ITEMS_MAX:
        raise ServiceError(_("一张缴费通知单最多 %(n)s 个收费项目") % {"n": ITEMS_MAX})
    current = {item.code: item for item in in_force(policy.fees, day)}
    known = {item.code for item in policy.fees}
    seen: set[str] = set()
    out: list[tuple[FeeItem, Decimal]] = []
    for line in lines:
        code = line.code
        if code in seen:
            raise ItemRefused(_("收费项目“%(c)s”重复") % {"c": code}, code=code, reason="duplicate")
        seen.add(code)
        item = current.get(code)
        if item is None:
            if code in known:
                raise ItemRefused(
                    _("收费项目“%(c)s”在 %(d)s 不在执行期内") % {"c": code, "d": day.isoformat()},
                    code=code,
                    reason="not_in_force",
                )
            raise ItemRefused(
                _("“%(c)s”不在收费项目目录清单中，不得收取") % {"c": code}, code=code, reason="not_in_catalogue"
            )
        if app.customer_class not in item.classes:
            raise ItemRefused(_("收费项目“%(n)s”不适用于本申请的用户类别") % {"n": item.zh}, code=code, reason="class")
        if item.within_investment_boundary and app.zero_investment:
            raise ItemRefused(
                _("“%(n)s”属于电网投资界面内的工程，零投资申请不收取") % {"n": item.zh},
                code=code,
                reason="zero_investment",
            )
        try:
            quantity = Decimal(line.quantity)
        except (InvalidOperation, TypeError, ValueError):
            quantity = Decimal(-1)
        if not quantity.is_finite() or quantity <= 0 or quantity > QUANTITY_MAX or quantity != quantity.quantize(CENT):
            raise ItemRefused(
                _("收费项目“%(n)s”的数量应为大于 0、最多两位小数的数") % {"n": item.zh}, code=code, reason="quantity"
            )
        out.append((item, quantity))
    return out


def _next_order_no(app: Application) -> str:
    """The application's number and the order's rank (the application row is locked)."""
    return f"{app.no}-P{PaymentOrder.objects.filter(application=app).count() + 1:02d}"


def _tell_applicant(order: PaymentOrder, subject: str, body: str) -> None:
    app = order.application
    notify(subject=subject, body=f"{app.no}：{body}", recipient=app.applicant, phone=app.phone, application_id=app.pk)


def payment_order_issue(
    *,
    application: Application,
    lines: list[OrderLine],
    actor: User,
    at: dt.datetime | None = None,
    note: str = "",
    notify_people: bool = True,
) -> PaymentOrder:
    """Issue an order from catalogue items only (refused, naming the item, otherwise)."""
    policy = active_policy()
    when = at or timezone.now()
    if application.status not in Status.open_states():
        # Checked again under lock by record_event; here so that no item is judged for nothing.
        raise StateConflict(_("只能为办理中的申请开具缴费通知单"))
    checked = check_items(application, lines, policy=policy, day=_day(when))
    with transaction.atomic():
        app = Application.objects.select_for_update().get(pk=application.pk)
        if app.status not in Status.open_states():
            raise StateConflict(_("只能为办理中的申请开具缴费通知单"))
        rows = [
            PaymentItem(
                code=item.code,
                name=item.zh,
                name_en=item.en,
                unit=item.unit,
                unit_amount=_money(item.amount),
                quantity=quantity,
                amount=_money(item.amount * quantity),
                basis=item.basis,
                illustrative=item.illustrative,
            )
            for item, quantity in checked
        ]
        order = PaymentOrder.objects.create(
            no=_next_order_no(app),
            application=app,
            amount=sum((row.amount for row in rows), Decimal("0.00")),
            policy_name=policy.policy.name,
            issued_by=actor,
            issued_at=when,
            note=note.strip()[:200],
        )
        for row in rows:
            row.order = order
        PaymentItem.objects.bulk_create(rows)
        record_event(
            app,
            EventType.PAYMENT_ISSUED,
            actor=actor,
            at=when,
            note=note.strip(),
            data={
                "order": order.no,
                "amount": str(order.amount),
                "items": [{"code": r.code, "quantity": str(r.quantity), "amount": str(r.amount)} for r in rows],
            },
            notify_people=False,
        )
        if notify_people:
            _tell_applicant(
                order,
                _("缴费通知"),
                _("请缴纳 %(a)s 元（缴费通知单 %(o)s），可在线支付。") % {"a": order.amount, "o": order.no},
            )
    return order


def _lock_order(order: PaymentOrder) -> PaymentOrder:
    return PaymentOrder.objects.select_for_update().select_related("application").get(pk=order.pk)


def _record_change(
    locked: PaymentOrder,
    *,
    status: OrderStatus,
    fields: dict[str, object],
    event: EventType,
    actor: User | None,
    at: dt.datetime,
    note: str = "",
    data: dict[str, str] | None = None,
    tell: tuple[str, str],
    notify_people: bool,
) -> PaymentOrder:
    """The end of every change of an order, under its lock once its checks passed: set its
    `status` and `fields`, record `event` on the application's timeline (the order's number and
    amount, and `data`) and tell the applicant `tell` (subject, body)."""
    locked.status = status
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save(update_fields=["status", *fields])
    record_event(
        locked.application,
        event,
        actor=actor,
        at=at,
        note=note,
        data={"order": locked.no, "amount": str(locked.amount), **(data or {})},
        notify_people=False,
    )
    if notify_people:
        _tell_applicant(locked, *tell)
    return locked


def payment_order_pay(
    *,
    order: PaymentOrder,
    provider: str,
    transaction_ref: str,
    amount: Decimal,
    at: dt.datetime | None = None,
    notify_people: bool = True,
) -> PaymentOrder:
    """A provider took the money. Paying again with the same transaction changes nothing."""
    when = at or timezone.now()
    ref = transaction_ref[:64]
    with transaction.atomic():
        locked = _lock_order(order)
        if locked.status == OrderStatus.PAID and locked.provider == provider and locked.provider_ref == transaction_ref:
            return locked  # the same payment told twice
        if locked.status != OrderStatus.ISSUED:
            raise StateConflict(
                _("缴费通知单 %(o)s 的状态是“%(s)s”，不能再缴费")
                % {"o": locked.no, "s": OrderStatus(locked.status).label}
            )
        if _money(Decimal(amount)) != locked.amount:
            raise ServiceError(
                _("支付金额 %(a)s 元与缴费通知单金额 %(b)s 元不符") % {"a": _money(Decimal(amount)), "b": locked.amount}
            )
        if not transaction_ref:
            raise ServiceError(_("缺少支付机构的交易号"))
        if PaymentOrder.objects.filter(provider=provider, provider_ref=ref).exists():
            raise ServiceError(_("交易号 %(t)s 已用于另一张缴费通知单") % {"t": ref})
        return _record_change(
            locked,
            status=OrderStatus.PAID,
            fields={"provider": provider, "provider_ref": ref, "paid_at": when},
            event=EventType.PAYMENT_PAID,
            actor=None,
            at=when,
            data={"provider": provider, "transaction": ref},
            tell=(_("缴费成功"), _("已收到缴费 %(a)s 元（%(o)s）。") % {"a": locked.amount, "o": locked.no}),
            notify_people=notify_people,
        )


def payment_order_cancel(
    *,
    order: PaymentOrder,
    actor: User,
    reason: str,
    at: dt.datetime | None = None,
    notify_people: bool = True,
) -> PaymentOrder:
    """Withdraw an order not yet paid, with the reason."""
    reason = reason.strip()
    if not reason:
        raise ServiceError(_("撤销缴费通知单须说明理由"))
    when = at or timezone.now()
    with transaction.atomic():
        locked = _lock_order(order)
        if locked.status != OrderStatus.ISSUED:
            raise StateConflict(
                _("缴费通知单 %(o)s 的状态是“%(s)s”，只能撤销待缴费的通知单")
                % {"o": locked.no, "s": OrderStatus(locked.status).label}
            )
        return _record_change(
            locked,
            status=OrderStatus.CANCELLED,
            fields={"cancelled_at": when, "cancelled_by": actor, "reason": reason[:200]},
            event=EventType.PAYMENT_CANCELLED,
            actor=actor,
            at=when,
            note=reason,
            tell=(_("缴费通知单已撤销"), _("缴费通知单 %(o)s 已撤销：%(r)s") % {"o": locked.no, "r": reason}),
            notify_people=notify_people,
        )


def payment_order_refund(
    *,
    order: PaymentOrder,
    actor: User,
    reason: str,
    at: dt.datetime | None = None,
    notify_people: bool = True,
) -> PaymentOrder:
    """Return the whole amount of a paid order through the provider that took it."""
    reason = reason.strip()
    if not reason:
        raise ServiceError(_("退费须说明理由"))
    when = at or timezone.now()
    with transaction.atomic():
        locked = _lock_order(order)
        if locked.status != OrderStatus.PAID:
            raise StateConflict(
                _("缴费通知单 %(o)s 的状态是“%(s)s”，只能为已缴费的通知单退费")
                % {"o": locked.no, "s": OrderStatus(locked.status).label}
            )
        refund = get_provider(locked.provider).refund(locked).reference[:64]
        return _record_change(
            locked,
            status=OrderStatus.REFUNDED,
            fields={"refunded_at": when, "refunded_by": actor, "refund_ref": refund, "reason": reason[:200]},
            event=EventType.PAYMENT_REFUNDED,
            actor=actor,
            at=when,
            note=reason,
            data={"provider": locked.provider, "refund": refund},
            tell=(
                _("退费"),
                _("缴费通知单 %(o)s 的 %(a)s 元已退回：%(r)s") % {"o": locked.no, "a": locked.amount, "r": reason},
            ),
            notify_people=notify_people,
        )


def notice_receive(*, provider: str, notice: Notice, nonce: str, at: dt.datetime | None = None) -> PaymentOrder:
    """Apply a provider's verified notice once: the nonce is spent in the same transaction, so
    a replayed callback is refused, and a second notice of the same payment changes nothing."""
    when = at or timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                CallbackNonce.objects.create(provider=provider, nonce=nonce, received_at=when)
        except IntegrityError:
            raise CallbackRefused(_("回调已处理过（随机数重复），拒绝重放")) from None
        order = PaymentOrder.objects.filter(no=notice.order_no).first()
        if order is None:
            raise CallbackRefused(_("没有这张缴费通知单：%(o)s") % {"o": notice.order_no})
        # Spent nonces older than the tolerance cannot be replayed anyway: their timestamps are refused.
        CallbackNonce.objects.filter(received_at__lt=when - 2 * callback_tolerance()).delete()
        if notice.outcome == "failed":
            return order  # the applicant may try again; nothing to record
        return payment_order_pay(
            order=order,
            provider=provider,
            transaction_ref=notice.transaction,
            amount=notice.amount,
            at=min(notice.at, when),
        )


def callback_tolerance() -> dt.timedelta:
    """How far a callback's timestamp may be from the server's clock."""
    return dt.timedelta(seconds=settings.PAYMENT_CALLBACK_TOLERANCE_SECONDS)
