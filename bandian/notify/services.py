"""Queueing notifications: a row in the outbox now, delivery by a task after commit."""

from __future__ import annotations

from django.db import transaction

from bandian.accounts.models import User
from bandian.notify.models import Message


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
    from bandian.notify.tasks import deliver

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
                status=Message.Status.SENT,
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
        )
        messages.append(message)
        transaction.on_commit(lambda: deliver.enqueue(message.pk))
    return messages
