"""Reads for the supervisors' pages beyond the compliance figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Max

from bandian.applications.models import Event
from bandian.core.time import SHANGHAI


def backfilled_applications(year: int, *, limit: int = 50) -> list[dict[str, Any]]:
    """Applications with back-filled events in the year (by the time the device gave them): a
    terminal's own time earlier than the receipt of the event before it. The plan forbids
    back-filling steps (补录), so supervisors see each case and how many such events it has."""
    start = dt.datetime(year, 1, 1, tzinfo=SHANGHAI)
    end = dt.datetime(year + 1, 1, 1, tzinfo=SHANGHAI)
    return list(
        Event.objects.filter(backfilled=True, occurred_at__gte=start, occurred_at__lt=end)
        .values("application__no", "application__customer_class", "application__county__name")
        .annotate(events=Count("id"), last_received=Max("received_at"))
        .order_by("-events", "application__no")[:limit]
    )
