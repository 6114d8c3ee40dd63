"""The calendar's horizon: how long the working-day calendar lasts, and when operators must be told.

From 1 January of a year the calendar does not hold, no clock can run; the State Council publishes
each year's arrangement around November. From `policy.calendar.warn_days` before the last day
held, the pages (staff, supervisor, admin), `manage.py check` and GET /healthz say which year is
missing and the command that loads it. Nothing is guessed: the year is loaded from its notice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from bandian.policy.loader import active_policy
from bandian.workdays.selectors import last_year

LOAD_COMMAND = "manage.py workdays load FILE"


@dataclass(frozen=True)
class Horizon:
    today: dt.date
    last_day: dt.date | None  # the last day the calendar holds; None when it holds no year
    warn_days: int

    @property
    def days_left(self) -> int | None:
        """Days from today to the last day held (0 on the last day, negative after it)."""
        return None if self.last_day is None else (self.last_day - self.today).days

    @property
    def missing_year(self) -> int:
        """The first year after the calendar's end: the one to load next."""
        return self.today.year if self.last_day is None else self.last_day.year + 1

    @property
    def warning(self) -> bool:
        return self.days_left is None or self.days_left <= self.warn_days

    def message(self) -> str:
        """The warning, in English, for `manage.py check` and /healthz ("" when there is none)."""
        if not self.warning:
            return ""
        load = f"load the State Council's {self.missing_year} holiday arrangement: {LOAD_COMMAND} (docs/operations.md)"
        if self.last_day is None:
            return f"the working-day calendar holds no year: {load}"
        left = self.days_left or 0
        if left < 0:
            return f"the working-day calendar ended on {self.last_day} ({-left} days ago), no clock can run: {load}"
        ends = f"the working-day calendar ends on {self.last_day} ({left} days left)"
        return f"{ends}, {self.missing_year} is missing: {load}"


def calendar_horizon(*, today: dt.date | None = None) -> Horizon:
    """The horizon of the calendar held in the database, as of today (Asia/Shanghai)."""
    year = last_year()
    last = None if year is None else dt.date(year, 12, 31)
    return Horizon(today=today or timezone.localdate(), last_day=last, warn_days=active_policy().calendar.warn_days)
