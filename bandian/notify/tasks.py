"""Delivering the outbox: the worker sends queued messages in chunks, at the gateway's pace.

`deliver_messages` runs at a low priority, so the worker takes every other task first and a
notice to ten thousand customers never holds up the rest. A message is claimed (its
`next_attempt_at` pushed out by the lease) before it is sent and recorded after, all in short
transactions, so nothing stays locked while the gateway answers.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from bandian.notify.bulk import update_rows
from bandian.notify.channels import SmsGateway, console, send_im
from bandian.notify.models import Message
from bandian.notify.services import attempt_failed, schedule_retry

logger = logging.getLogger("bandian.notify")
# Below the default (0): the worker runs any other task before the next chunk of a big notice.
DELIVERY_PRIORITY = -10
# How often a chunk's outcomes are written while it is sent.
FLUSH_EVERY = 50
FLUSH_SECONDS = 1.0
SEND_FIELDS = ["status", "attempts", "sent_at", "provider_id", "answer", "last_error", "next_attempt_at", "failed_at"]


def _due(at: dt.datetime) -> Q:
    return Q(status=Message.Status.QUEUED) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=at))


def _claim(ids: list[int], at: dt.datetime) -> list[Message]:
    """Take the due ones of these messages for this worker: push their next try out by the lease."""
    with transaction.atomic():
        due = Message.objects.filter(_due(at), pk__in=ids)
        mine = list(due.select_for_update(skip_locked=True).order_by("id").values_list("pk", flat=True))
        lease = at + dt.timedelta(seconds=settings.NOTIFY_SEND_LEASE_SECONDS)
        Message.objects.filter(pk__in=mine).update(next_attempt_at=lease)
    return list(Message.objects.filter(pk__in=mine).order_by("id"))


def _record(messages: list[Message]) -> None:
    update_rows(Message, SEND_FIELDS, [(*(getattr(m, f) for f in SEND_FIELDS), m.pk) for m in messages])


def send_messages(ids: list[int], *, at: dt.datetime | None = None) -> int:
    """Send the due messages among these ids; return how many went out.

    The outcomes are recorded every `FLUSH_EVERY` messages or `FLUSH_SECONDS`, so a receipt
    that comes back quickly finds its message's provider id."""
    messages = _claim(ids, at or timezone.now())
    gateway = SmsGateway()
    sent = recorded = 0
    flushed = time.monotonic()
    try:
        for done, message in enumerate(messages, start=1):
            if message.channel == Message.Channel.SMS:
                outcome = gateway.send(message.pk, message.phone, message.body)
            elif message.channel == Message.Channel.IM:
                outcome = send_im(message.address, message.subject, message.body)
            else:  # an in-app message is delivered when written; nothing to send
                outcome = console("inapp", str(message.recipient_id), message.subject)
            now = timezone.now()
            if outcome.ok:
                sent += 1
                message.status = Message.Status.SENT
                message.attempts += 1
                message.sent_at = now
                message.provider_id = outcome.provider_id
                message.answer = outcome.answer[:2000]
                message.last_error = ""
                message.next_attempt_at = None
            else:
                attempt_failed(message, outcome.error, answer=outcome.answer, at=now)
                logger.warning("%s %s to %s failed: %s", message.channel, message.pk, message.customer, outcome.error)
            if done - recorded >= FLUSH_EVERY or time.monotonic() - flushed >= FLUSH_SECONDS:
                _record(messages[recorded:done])
                recorded, flushed = done, time.monotonic()
    finally:
        gateway.close()
        _record(messages[recorded:])
    schedule_retry(messages)
    return sent


@task(priority=DELIVERY_PRIORITY)
def deliver_messages(message_ids: list[int]) -> int:
    return send_messages(message_ids)


@task()
def deliver(message_id: int) -> int:
    """One message (the tasks queued before chunked delivery)."""
    return send_messages([message_id])


def send_due(*, at: dt.datetime | None = None, chunk: int = 500) -> tuple[int, int]:
    """Send every queued message whose next try is due (`manage.py notify retry`); return how
    many were tried and how many went out."""
    at = at or timezone.now()
    tried = sent = 0
    last = 0
    while True:
        ids = list(Message.objects.filter(_due(at), pk__gt=last).order_by("id").values_list("pk", flat=True)[:chunk])
        if not ids:
            return tried, sent
        last = ids[-1]
        tried += len(ids)
        sent += send_messages(ids, at=at)
