"""Delivering the outbox. SMS go to the gateway, or to the console when none is configured."""

from __future__ import annotations

import json
import logging
import urllib.request

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from bandian.notify.models import Message

logger = logging.getLogger("bandian.notify")
MAX_ATTEMPTS = 5


def send_sms(phone: str, text: str) -> None:
    if not settings.SMS_GATEWAY_URL:
        # No gateway: the console is the channel (development, demo, closed networks).
        print(f"[SMS to {phone}] {text}", flush=True)  # noqa: T201
        return
    payload = json.dumps({"phone": phone, "text": text}).encode()
    request = urllib.request.Request(  # noqa: S310 (the operator's configured gateway)
        settings.SMS_GATEWAY_URL, data=payload, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (configured URL)
        if response.status >= 300:
            raise OSError(f"SMS gateway answered {response.status}")


@task()
def deliver(message_id: int) -> None:
    message = Message.objects.filter(pk=message_id, status=Message.Status.PENDING).first()
    if message is None:
        return
    try:
        send_sms(message.phone, f"【办电】{message.body}")
    except OSError as exc:
        message.attempts += 1
        message.last_error = str(exc)
        message.status = Message.Status.FAILED if message.attempts >= MAX_ATTEMPTS else Message.Status.PENDING
        message.save(update_fields=["attempts", "last_error", "status"])
        logger.warning("SMS %s to %s failed: %s", message.pk, message.phone, exc)
        raise
    message.attempts += 1
    message.status = Message.Status.SENT
    message.sent_at = timezone.now()
    message.save(update_fields=["attempts", "status", "sent_at"])
