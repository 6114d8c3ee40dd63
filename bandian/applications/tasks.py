"""Background tasks of the applications app: thin wrappers around domain functions."""

from __future__ import annotations

from django_tasks import task

from bandian.applications.integrity import record_anchor


@task()
def record_daily_anchor() -> str:
    """Record today's chain anchor (idempotent: a second run the same day changes nothing).

    Scheduled once a day, like `manage.py timeline anchor` (docs/operations.md).
    """
    anchor, _created = record_anchor()
    return anchor.digest
