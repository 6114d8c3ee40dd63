"""Who an outage concerns, and telling them: the one place outage notices reach the outbox.

The customers of an outage come from the grid model: the LV customers under each public
transformer affected, and each HV customer's contact. `send` hands one notice to every customer
through bandian.notify (one message per customer and channel, under the outage's reference) and
records it as a `Notice`; `messages_of` lists those messages with their delivery state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from django.db.models import QuerySet

from bandian.accounts.models import Role, User
from bandian.grid.enums import MVUserKind
from bandian.grid.models import LVCustomer, MVUser
from bandian.notify.models import Message
from bandian.notify.selectors import ref_messages
from bandian.notify.services import ALL_CHANNELS, Recipient, notify, notify_many
from bandian.outages.models import Notice


@dataclass(frozen=True)
class Customer:
    """One customer an outage notice goes to: `key` names them in the outbox (an LV customer's
    account number, an HV customer's MV user id), `account` is their sign-in (for the in-app
    inbox), if any."""

    key: str
    name: str
    phone: str
    county_id: str
    account: User | None = None
    # An MV user's contact gets every channel; an LV customer the channels they chose.
    every_channel: bool = False


def customers_of(users: Iterable[MVUser]) -> list[Customer]:
    """The customers behind these MV users: a public transformer's LV customers, an HV
    customer's contact. Customers with an account registered under their phone get it in-app too."""
    users = list(users)
    public = [u.transformer_id for u in users if u.kind != MVUserKind.HV_CUSTOMER and u.transformer_id]
    found: list[Customer] = []
    lv = LVCustomer.objects.filter(transformer_id__in=public).order_by("account_no")
    for account_no, name, phone, county_id in lv.values_list("account_no", "name", "phone", "county_id"):
        found.append(Customer(account_no, name, phone, county_id))
    for user in users:
        if user.kind == MVUserKind.HV_CUSTOMER:
            name = user.contact_name or user.name
            found.append(Customer(user.user_id, name, user.contact_phone, user.county_id, every_channel=True))
    phones = sorted({c.phone for c in found if c.phone})
    accounts: dict[str, User] = {}
    for i in range(0, len(phones), 1000):
        chunk = User.objects.filter(phone__in=phones[i : i + 1000], is_active=True, role=Role.APPLICANT)
        accounts.update((u.phone, u) for u in chunk)
    return [replace(c, account=accounts.get(c.phone)) for c in found]


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
    """Queue one notice to every customer (one message per customer and channel, under the
    outage's reference; SMS and IM go out after commit) and record it."""
    recipients = [
        Recipient(
            customer=c.key,
            name=c.name,
            county_id=c.county_id,
            phone=c.phone,
            user=c.account,
            channels=ALL_CHANNELS if c.every_channel else None,
        )
        for c in customers
    ]
    if recipients:
        notify_many(recipients=recipients, subject=subject, body=body, kind=f"outage.{kind}", ref=reference, at=at)
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


def messages_of(reference: str) -> QuerySet[Message]:
    """Every message of the outage's notices, by customer and channel, each with its delivery
    record (customer, channel, status, attempts, sent and delivered times)."""
    return ref_messages(reference)
