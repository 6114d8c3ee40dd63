"""The sandbox (沙箱): a provider inside bandian for development and the demo. No money moves.

Its payment page lets the applicant complete or fail the payment; either way it sends itself
the same signed callback a real provider would send, through the same handler.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from bandian.applications.payments.providers.base import Notice, PaymentProvider, RefundResult, register

NAME = "sandbox"


def notice_body(*, order_no: str, outcome: str, amount: Decimal, transaction: str, at: dt.datetime) -> bytes:
    """The sandbox's callback body (JSON, UTF-8)."""
    return json.dumps(
        {
            "order": order_no,
            "outcome": outcome,
            "amount": str(amount),
            "transaction": transaction,
            "at": at.isoformat(),
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


def new_transaction() -> str:
    return "SBX-" + secrets.token_hex(8).upper()


class SandboxProvider(PaymentProvider):
    name = NAME
    label = "沙箱（非真实支付）"
    sandbox = True

    def checkout_url(self, order, *, request: HttpRequest) -> str:  # type: ignore[no-untyped-def]
        return reverse("payments:sandbox", kwargs={"order_no": order.no})

    def parse_callback(self, body: bytes, headers: Mapping[str, str]) -> Notice:
        from bandian.applications.payments.services import CallbackRefused

        try:
            data = json.loads(body.decode("utf-8"))
            outcome = data["outcome"]
            at = parse_datetime(str(data["at"]))
            notice = Notice(
                order_no=str(data["order"])[:40],
                outcome=outcome,
                amount=Decimal(str(data["amount"])),
                transaction=str(data["transaction"])[:64],
                at=at if at is not None and at.tzinfo is not None else timezone.now(),
            )
        except (ValueError, KeyError, TypeError, InvalidOperation, UnicodeDecodeError):
            raise CallbackRefused(_("回调内容无法解析")) from None
        if outcome not in ("paid", "failed") or not notice.amount.is_finite():
            raise CallbackRefused(_("回调内容无法解析"))
        return notice

    def refund(self, order) -> RefundResult:  # type: ignore[no-untyped-def]
        return RefundResult(reference="SBX-R-" + secrets.token_hex(8).upper())


register(NAME, SandboxProvider)
