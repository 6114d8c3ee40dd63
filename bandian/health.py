"""GET /healthz: is this installation fit to serve? For monitoring; no login, JSON, nothing private.

200 with the figures and a list of warnings (empty when all is well); 503 when the database
cannot be reached. The fields are a contract (docs/operations.md):

- `database`: "ok" or "unreachable";
- `calendar_last_day`: the last day the working-day calendar holds (ISO date; null without one);
- `calendar_days_left`: days from today (Asia/Shanghai) to it (negative once it has passed);
- `oldest_queued_task_age_seconds`: how long the oldest task ready to run has waited in the
  django-tasks-db queue since it was queued (null when none waits; with TASKS_BACKEND=immediate
  tasks never wait);
- `warnings`: what an operator must act on, in English.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import DatabaseError, connection
from django.db.models import Min
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_tasks_db.models import DBTaskResult

from bandian.workdays.horizon import calendar_horizon

logger = logging.getLogger(__name__)


def _oldest_queued_age() -> float | None:
    """Seconds the oldest task ready to run has waited since it was queued (None: none waits)."""
    oldest = DBTaskResult.objects.ready().aggregate(at=Min("enqueued_at"))["at"]
    return None if oldest is None else round((timezone.now() - oldest).total_seconds(), 1)


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    body: dict[str, Any] = {
        "database": "ok",
        "calendar_last_day": None,
        "calendar_days_left": None,
        "oldest_queued_task_age_seconds": None,
        "warnings": [],
    }
    try:
        connection.ensure_connection()
        horizon = calendar_horizon()
        body["oldest_queued_task_age_seconds"] = _oldest_queued_age()
    except DatabaseError:
        logger.exception("healthz: the database cannot be reached")
        body["database"] = "unreachable"
        body["warnings"].append("the database cannot be reached")
        return JsonResponse(body, status=503)
    body["calendar_last_day"] = horizon.last_day.isoformat() if horizon.last_day else None
    body["calendar_days_left"] = horizon.days_left
    if horizon.warning:
        body["warnings"].append(horizon.message())
    return JsonResponse(body)
