"""Reading the outbox: the messages of a notice's ref, the failed ones of a county."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from bandian.notify.models import Message


def ref_messages(ref: str) -> QuerySet[Message]:
    """Every message sent about `ref` (all its notices), by customer and channel.

    Each row's delivery record: `customer`, `customer_name`, `county_id`, `channel`, `status`
    (queued / sent / delivered / failed), `attempts`, `created_at` (queued), `sent_at`,
    `delivered_at`, `failed_at`, `last_error`, `answer` (the provider's last answer), `kind`
    and `batch_id` (which notice of the ref). A county's IM group copy has an empty customer.
    """
    return Message.objects.filter(ref=ref).order_by("customer", "channel", "created_at", "id")


def ref_summary(ref: str) -> dict[str, int]:
    """How many messages of `ref` are in each status (every status present, 0 when none)."""
    counts = {str(s): 0 for s in Message.Status}
    for row in Message.objects.filter(ref=ref).values("status").annotate(n=Count("id")).order_by():
        counts[row["status"]] = row["n"]
    return counts


def failed_messages(county_id: str | None) -> QuerySet[Message]:
    """The messages that failed for good (the customers not reached), newest first; of one
    county, or of every county with None."""
    failed = Message.objects.filter(status=Message.Status.FAILED).exclude(ref="")
    if county_id is not None:
        failed = failed.filter(county_id=county_id)
    return failed.select_related("county").order_by("-failed_at", "-id")
