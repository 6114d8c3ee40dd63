"""Who an outage concerns, and telling them: the one place outage notices reach the outbox.

The customers of an outage come from the grid model: the LV customers under each public
transformer affected, and each HV customer's contact. `send` hands one notice to every customer
through bandian.notify (one message per customer and channel, under the outage's reference) and
records it as a `Notice`; `messages_of` lists those messages with their delivery state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from bandian.accounts.models import Role, User
from bandian.grid.enums import MVUserKind
from bandian.grid.models import LVCustomer, MVUser
from bandian.notify.models import Message
from bandian.notify.services import notify
from bandian.outages.models import Notice


@dataclass(frozen=True)
class Customer:
    """One customer an outage notice goes to: `key` names them in the outbox (`lv:<account
    number>` or `mv:<user id>`), `account` is their sign-in (for the in-app inbox), if any."""

    key: str
    name: str
    phone: str
    account: User | None = None


def customers_of(users: Iterable[MVUser]) -> list[Customer]:
    """The customers behind these MV users: a public transformer's LV customers, an HV
    customer's contact. Customers with an account registered under their phone get it in-app too."""
    users = list(users)
    public = [u.transformer_id for u in users if u.kind != MVUserKind.HV_CUSTOMER and u.transformer_id]
    found: list[Customer] = []
    lv = LVCustomer.objects.filter(transformer_id__in=public).order_by("account_no")
    for account_no, name, phone in lv.values_list("account_no", "name", "phone"):
        found.append(Customer(f"lv:{account_no}", name, phone))
    for user in users:
        if user.kind == MVUserKind.HV_CUSTOMER:
            found.append(Customer(f"mv:{user.user_id}", user.contact_name or user.name, user.contact_phone))
    phones = {c.phone for c in found if c.phone}
    accounts = {u.phone: u for u in User.objects.filter(phone__in=phones, is_active=True, role=Role.APPLICANT)}
    return [Customer(c.key, c.name, c.phone, accounts.get(c.phone)) for c in found]


def send(
    *,
    reference: str,
    county_id: str,
    kind: str,
    subject: str,
    body: str,
    customers: Sequence[Customer],
    at: dt.datetime,
    actor: User | None,
    inside_notice_period: bool = False,
) -> Notice:
    """Queue one notice to every customer (the messages go out after commit) and record it."""
    for customer in customers:
        notify(subject=f"{subject}（{reference}）", body=body, recipient=customer.account, phone=customer.phone)
    return Notice.objects.create(
        reference=reference, county_id=county_id, kind=kind, at=at, subject=subject, body=body,
        recipients=len(customers), inside_notice_period=inside_notice_period, actor=actor,
    )  # fmt: skip


def tell_supervisors(*, subject: str, body: str) -> int:
    """An in-app message to every active supervisor at once (unauthorised rationing)."""
    supervisors = User.objects.filter(role=Role.SUPERVISOR, is_active=True)
    for supervisor in supervisors:
        notify(subject=subject, body=body, recipient=supervisor, sms=False)
    return len(supervisors)


def messages_of(reference: str) -> list[dict[str, Any]]:
    """Every message of the outage's notices: customer, channel, status, attempts, sent and
    delivered times, oldest first."""
    rows = Message.objects.filter(Q(subject__endswith=f"（{reference}）")).select_related("recipient")
    return [
        {
            "customer": m.phone or (m.recipient.display_name if m.recipient else ""),
            "channel": m.channel,
            "status": m.status,
            "attempts": m.attempts,
            "sent_at": m.sent_at,
            "delivered_at": m.sent_at if m.channel == Message.Channel.INAPP else None,
        }
        for m in rows.order_by("created_at", "pk")
    ]
