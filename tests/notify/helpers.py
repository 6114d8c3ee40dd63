"""What the notify tests share."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import TestCase

from bandian.notify.models import Batch
from bandian.notify.services import notify_many

AT = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)


def committed() -> Any:
    """Run the callbacks queued for after commit (the deliveries) when the block ends, as a real
    commit would (the test's own transaction never commits)."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def send(recipients: list[Any], **kw: Any) -> Batch:
    with committed():
        return notify_many(
            recipients=recipients,
            subject=kw.pop("subject", "计划停电通知"),
            body=kw.pop("body", "12月1日 8:00–18:00 停电检修"),
            kind=kw.pop("kind", "outage.planned"),
            ref=kw.pop("ref", "PO-2026-0001"),
            **kw,
        )
