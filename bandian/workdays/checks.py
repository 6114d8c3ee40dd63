"""System checks of the working-day calendar (`manage.py check`, and at start-up)."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Warning, register
from django.db import DatabaseError

from bandian.workdays.horizon import calendar_horizon


@register()
def calendar_horizon_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Warn from `[calendar] warn_days` before the last day the calendar holds."""
    try:
        horizon = calendar_horizon()
    except DatabaseError:  # not migrated yet, or unreachable: GET /healthz reports the database
        return []
    if not horizon.warning:
        return []
    return [Warning(horizon.message()[0].upper() + horizon.message()[1:] + ".", id="workdays.W001")]
