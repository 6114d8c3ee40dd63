"""Queueing notifications: rows in the outbox now, delivery by a task after commit.

Two write paths:

- `notify()`: one person (the applicant of an application, a staff member): an in-app message
  and an SMS. Used by the applications, accounts and permits services.
- `notify_many()`: one notice to many customers (an outage notice): one message per customer
  and channel, written with bulk inserts and delivered by the worker in chunks.

Delivery receipts from the SMS gateway are recorded by `receipt_record()`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bandian.accounts.models import User
from bandian.core.errors import ServiceError
from bandian.notify.bulk import insert_rows
from bandian.notify.models import Batch, Message, Preference

SMS = Message.Channel.SMS.value
IM = Message.Channel.IM.value
INAPP = Message.Channel.INAPP.value
# Every channel a message can go by (the public outage page is not a message).
ALL_CHANNELS: frozenset[str] = frozenset({SMS, IM, INAPP})
# What a customer gets who chose nothing: SMS, the inbox, and IM where an address is known.
DEFAULT_CHANNELS: frozenset[str] = ALL_CHANNELS

# Rows per query where ids are looked up in chunks.
INSERT_BATCH = 1000
# The columns notify_many writes: each recipient's, then the notice's.
ROW_COLUMNS: tuple[str, ...] = ("channel", "recipient_id", "phone", "address", "customer", "customer_name")
ROW_COLUMNS += ("county_id", "status", "sent_at", "delivered_at")
SHARED_COLUMNS = ("subject", "body", "ref", "kind", "batch_id", "created_at")


@dataclass(frozen=True, slots=True)
class Recipient:
    """One customer a notice goes to, and how it can reach them.

    - `customer`: the customer's key, shown on the lists (an LV account number, an MV user id);
      `name`: their name. Both may be empty for a person who is not a grid customer.
    - `county_id`: the county (adcode) the customer is in: the county's grid operators see the
      messages that failed, and the county's IM group gets one copy of the notice.
    - `phone`: the number for SMS (default: the user's phone).
    - `user`: their account, if they have one: the in-app message goes to its inbox, and their
      channel preference (`Preference`) applies.
    - `im`: their own instant-messaging target (an Apprise URL such as `wecombot://KEY`,
      `dingtalk://TOKEN/`, `feishu://TOKEN/`); default: the one on their preference.
    - `channels`: the channels they get. `None` (the default) means their own choice (their
      preference, or SMS + inbox + IM without one); pass `ALL_CHANNELS` for an MV user's
      contact, who gets them all. A channel the recipient cannot be reached by (SMS without a
      phone, in-app without an account, IM without a target) is skipped.
    """

    customer: str = ""
    name: str = ""
    county_id: str | None = None
    phone: str = ""
    user: User | None = None
    im: str = ""
    channels: frozenset[str] | None = None


def _chunks(items: Iterable[int], size: int) -> Iterator[list[int]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def enqueue_delivery(message_ids: list[int]) -> None:
    """Hand queued messages to the worker, `NOTIFY_TASK_CHUNK` ids per task, after commit."""
    from bandian.notify.tasks import deliver_messages

    if not message_ids:
        return
    chunks = list(_chunks(message_ids, settings.NOTIFY_TASK_CHUNK))

    def enqueue() -> None:
        for chunk in chunks:
            deliver_messages.enqueue(chunk)

    transaction.on_commit(enqueue)


def notify(
    *,
    subject: str,
    body: str,
    recipient: User | None = None,
    phone: str = "",
    application_id: int | None = None,
    sms: bool = True,
) -> list[Message]:
    """In-app message to the recipient (if any) and an SMS to the phone (if any)."""
    now = timezone.now()
    messages = []
    if recipient is not None:
        messages.append(
            Message.objects.create(
                channel=Message.Channel.INAPP,
                recipient=recipient,
                phone=phone,
                subject=subject,
                body=body,
                application_id=application_id,
                status=Message.Status.DELIVERED,
                created_at=now,
                sent_at=now,
                delivered_at=now,
            )
        )
    number = phone or (recipient.phone if recipient is not None else "")
    if sms and number:
        message = Message.objects.create(
            channel=Message.Channel.SMS,
            recipient=recipient,
            phone=number,
            subject=subject,
            body=body,
            application_id=application_id,
            created_at=now,
        )
        messages.append(message)
        enqueue_delivery([message.pk])
    return messages


def _preferences(user_ids: set[int]) -> dict[int, Preference]:
    found: dict[int, Preference] = {}
    for chunk in _chunks(sorted(user_ids), INSERT_BATCH):
        found.update((p.user_id, p) for p in Preference.objects.filter(user_id__in=chunk))
    return found


def notify_many(
    *,
    recipients: Iterable[Recipient],
    subject: str,
    body: str,
    kind: str,
    ref: str,
    at: dt.datetime | None = None,
    county_groups: bool = True,
) -> Batch:
    """Queue one notice to many customers; return its `Batch` (`batch.total` messages written).

    One `Message` per recipient and channel (see `Recipient` for which channels), all carrying
    `ref` (the outage reference or whatever the notice is about) and `kind` (what sort of notice:
    e.g. "outage.planned", "outage.changed", "outage.fault", "outage.progress"). In-app messages
    are delivered at once (they are the inbox); SMS and IM messages are `queued` and handed to
    the worker in chunks after the transaction commits, so a rolled-back change sends nothing.
    With `county_groups`, each county of the recipients that has an IM group configured
    (`NOTIFY_IM_COUNTY_WEBHOOKS`) gets one IM message of the notice (customer empty).

    `at` is when the notice was issued (default now): the messages' `created_at`. The rows are
    written with bulk inserts, so 10,000 recipients take a few seconds at most (bench/notify.py).
    Identical (customer, channel, address) pairs are written once; a customer key longer than
    40 characters, a name longer than 100, is cut. Raises `ServiceError` for an empty subject,
    body or ref, one too long, or an unknown channel.
    """
    at = at or timezone.now()
    if not subject.strip() or not body.strip() or not ref.strip():
        raise ServiceError("a notice needs a subject, a body and a ref")
    if len(subject) > 200 or len(ref) > 60 or len(kind) > 40:
        raise ServiceError("a notice's subject is at most 200 characters, its ref 60, its kind 40")
    people = list(recipients)
    for person in people:
        if person.channels is not None and not person.channels <= ALL_CHANNELS:
            raise ServiceError(f"unknown channels: {', '.join(sorted(person.channels - ALL_CHANNELS))}")
    preferences = _preferences({p.user.pk for p in people if p.user is not None})
    rows: list[tuple[object, ...]] = []
    seen: set[tuple[str, str, str]] = set()
    queued, delivered = Message.Status.QUEUED.value, Message.Status.DELIVERED.value

    def add(channel: str, person: Recipient | None, *, county_id: str | None, user_id: int | None, to: str) -> None:
        customer = person.customer[:40] if person is not None else ""
        key = (customer, channel, to or str(user_id))
        if key in seen:
            return
        seen.add(key)
        inapp = channel == INAPP
        name = person.name[:100] if person is not None else ""
        phone, address = (to[:20], "") if channel != IM else ("", to[:500])
        rows.append(
            (channel, user_id, phone, address, customer, name, county_id)
            + ((delivered, at, at) if inapp else (queued, None, None))
        )

    counties: dict[str, None] = {}
    for person in people:
        preference = preferences.get(person.user.pk) if person.user is not None else None
        wanted = person.channels
        if wanted is None:
            wanted = preference.channels() if preference is not None else DEFAULT_CHANNELS
        user_id = person.user.pk if person.user is not None else None
        phone = person.phone or (person.user.phone if person.user is not None else "")
        im = person.im or (preference.im_address if preference is not None else "")
        if INAPP in wanted and user_id is not None:
            add(INAPP, person, county_id=person.county_id, user_id=user_id, to=phone)
        if SMS in wanted and phone:
            add(SMS, person, county_id=person.county_id, user_id=user_id, to=phone)
        if IM in wanted and im:
            add(IM, person, county_id=person.county_id, user_id=user_id, to=im)
        if person.county_id:
            counties[person.county_id] = None
    if county_groups:
        webhooks = settings.NOTIFY_IM_COUNTY_WEBHOOKS
        for county_id in counties:
            if webhooks.get(county_id):
                add(IM, None, county_id=county_id, user_id=None, to=webhooks[county_id])

    with transaction.atomic():
        batch = Batch.objects.create(ref=ref, kind=kind, subject=subject, created_at=at, total=len(rows))
        shared = (subject, body, ref, kind, batch.pk, at)
        insert_rows(Message, ROW_COLUMNS + SHARED_COLUMNS, [row + shared for row in rows])
        to_send = Message.objects.filter(batch=batch, status=queued).order_by("id").values_list("pk", flat=True)
        enqueue_delivery(list(to_send))
    return batch


def retry_delay(attempts: int) -> dt.timedelta:
    """The wait before the next try after `attempts` failed ones: base × 2^(attempts − 1), capped."""
    base = settings.NOTIFY_RETRY_BASE_SECONDS
    return dt.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), settings.NOTIFY_RETRY_MAX_DELAY_SECONDS))


def attempt_failed(message: Message, error: str, *, answer: str = "", at: dt.datetime | None = None) -> None:
    """Count a failed try on the message (not saved): queued again after the backoff, or failed
    for good once `NOTIFY_RETRY_MAX_ATTEMPTS` tries have failed."""
    at = at or timezone.now()
    message.attempts += 1
    message.last_error = error[:2000]
    message.answer = answer[:2000]
    if message.attempts >= settings.NOTIFY_RETRY_MAX_ATTEMPTS:
        message.status = Message.Status.FAILED
        message.failed_at = at
        message.next_attempt_at = None
    else:
        message.status = Message.Status.QUEUED
        message.next_attempt_at = at + retry_delay(message.attempts)


def receipt_record(
    *,
    provider_id: str,
    delivered: bool,
    answer: str = "",
    at: dt.datetime | None = None,
) -> Message | None:
    """Record the SMS gateway's delivery receipt for the message it knows as `provider_id`.

    Delivered: the message becomes `delivered` at `at` (default now), whatever it was (a receipt
    may arrive after a retry was scheduled). Not delivered: a failed try, retried with backoff
    up to the limit (`attempt_failed`). A receipt for a message already delivered changes
    nothing. Returns the message, or None when no message has that id.
    """
    at = at or timezone.now()
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(provider_id=provider_id, channel=SMS).first()
        if message is None or message.status == Message.Status.DELIVERED:
            return message
        message.answer = answer[:2000]
        if delivered:
            message.status = Message.Status.DELIVERED
            message.delivered_at = at
            message.next_attempt_at = None
            message.save(update_fields=["status", "delivered_at", "next_attempt_at", "answer"])
            return message
        attempt_failed(message, answer or "not delivered", answer=answer, at=at)
        message.save(update_fields=["attempts", "last_error", "answer", "status", "failed_at", "next_attempt_at"])
        if message.status == Message.Status.QUEUED:
            schedule_retry([message])
        return message


def schedule_retry(messages: list[Message]) -> None:
    """With a worker (a backend that can defer), queue the retries of these messages for when
    the earliest is due; without one (immediate mode) `manage.py notify retry` sends them."""
    from bandian.notify.tasks import deliver_messages

    due = [m for m in messages if m.status == Message.Status.QUEUED and m.next_attempt_at is not None]
    if not due or not deliver_messages.get_backend().supports_defer:
        return
    ids = [m.pk for m in due]
    when = min(m.next_attempt_at for m in due if m.next_attempt_at is not None)
    transaction.on_commit(lambda: deliver_messages.using(run_after=when).enqueue(ids))


def preference_set(
    user: User,
    *,
    sms: bool,
    im: bool,
    inapp: bool,
    im_address: str = "",
    at: dt.datetime | None = None,
) -> Preference:
    """Record the channels a customer chose for notices (the preferences page). IM needs an
    address, and the address must be a WeCom, DingTalk or Feishu bot webhook (`ServiceError`)."""
    from bandian.notify.channels import im_address_error

    at = at or timezone.now()
    im_address = im_address.strip()
    if im and not im_address:
        raise ServiceError(_("选择即时通讯时须填写群机器人地址。"))
    if im_address and (problem := im_address_error(im_address)):
        raise ServiceError(problem)
    if not (sms or im or inapp):
        raise ServiceError(_("请至少选择一种通知渠道。"))
    with transaction.atomic():
        preference, _created = Preference.objects.select_for_update().get_or_create(user=user)
        preference.sms, preference.im, preference.inapp = sms, im, inapp
        preference.im_address = im_address
        preference.updated_at = at
        preference.save()
    return preference
