"""Reconciling orders with a provider's statement (`manage.py payments reconcile FILE.csv`).

The statement is a CSV file with a header line and these columns (docs/operations.md):
`order` (our order number), `transaction` (the provider's), `status` (`paid` or `refunded`),
`amount` (yuan, e.g. 168000.00) and `time` (ISO 8601, with its offset; may be empty). Extra
columns are ignored. An order differs when the statement names an order we do not have, or its
state, amount or transaction is not ours; and an order we hold as paid or refunded through the
provider, paid within the days the statement covers, differs when the statement lacks it.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.dateparse import parse_datetime

from bandian.applications.payments.models import OrderStatus, PaymentOrder
from bandian.core.time import SHANGHAI

COLUMNS = ("order", "transaction", "status", "amount", "time")
STATES = {"paid": OrderStatus.PAID, "refunded": OrderStatus.REFUNDED}


class StatementError(ValueError):
    """The statement cannot be read; the message names the line."""


@dataclass(frozen=True)
class StatementLine:
    line: int
    order: str
    transaction: str
    status: str
    amount: Decimal
    time: dt.datetime | None


@dataclass(frozen=True)
class Difference:
    order: str
    ours: str  # "paid 168000.00", or "-" when we have no such order
    theirs: str  # likewise, or "-" when the statement lacks it
    why: str


def read_statement(lines: Iterable[str]) -> list[StatementLine]:
    reader = csv.DictReader(lines)
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise StatementError(f"line 1: the header lacks {', '.join(missing)} (columns: {', '.join(COLUMNS)})")
    out: list[StatementLine] = []
    for row in reader:
        n = reader.line_num
        status = (row["status"] or "").strip().lower()
        if status not in STATES:
            raise StatementError(f"line {n}: status {row['status']!r} is not paid or refunded")
        try:
            amount = Decimal((row["amount"] or "").strip())
        except InvalidOperation:
            raise StatementError(f"line {n}: amount {row['amount']!r} is not a number") from None
        if not amount.is_finite() or amount < 0:
            raise StatementError(f"line {n}: amount {row['amount']!r} is not a sum of money")
        raw_time = (row["time"] or "").strip()
        time = parse_datetime(raw_time) if raw_time else None
        if raw_time and (time is None or time.tzinfo is None):
            raise StatementError(f"line {n}: time {raw_time!r} is not an ISO 8601 instant with its offset")
        order = (row["order"] or "").strip()
        if not order:
            raise StatementError(f"line {n}: no order number")
        out.append(StatementLine(n, order, (row["transaction"] or "").strip(), status, amount, time))
    return out


def _state(order: PaymentOrder) -> str:
    return f"{order.status} {order.amount}"


def differences(statement: list[StatementLine], *, provider: str) -> list[Difference]:
    """Every order whose state or amount differs between us and the provider's statement."""
    ours = {o.no: o for o in PaymentOrder.objects.filter(no__in=[s.order for s in statement])}
    out: list[Difference] = []
    for line in statement:
        theirs = f"{line.status} {line.amount:.2f}"
        order = ours.get(line.order)
        if order is None:
            out.append(Difference(line.order, "-", theirs, "no such order"))
            continue
        why = []
        if order.status != STATES[line.status]:
            why.append("state")
        if order.amount != line.amount.quantize(Decimal("0.01")):
            why.append("amount")
        if order.provider and order.provider != provider:
            why.append(f"paid through {order.provider}")
        elif order.provider_ref and line.transaction and order.provider_ref != line.transaction:
            why.append("transaction")
        if why:
            out.append(Difference(order.no, _state(order), theirs, ", ".join(why)))
    times = [s.time for s in statement if s.time is not None]
    if times:
        first = min(times).astimezone(SHANGHAI).date()
        last = max(times).astimezone(SHANGHAI).date()
        start = dt.datetime.combine(first, dt.time(), tzinfo=SHANGHAI)
        end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=SHANGHAI)
        listed = {s.order for s in statement}
        unlisted = (
            PaymentOrder.objects.filter(
                provider=provider,
                status__in=[OrderStatus.PAID, OrderStatus.REFUNDED],
                paid_at__gte=start,
                paid_at__lt=end,
            )
            .exclude(no__in=listed)
            .order_by("no")
        )
        out += [Difference(o.no, _state(o), "-", "not in the statement") for o in unlisted]
    return out
