"""The calendar as held in the database, cached in memory per process."""

from __future__ import annotations

import time

from django.db.models import Max, Min

from bandian.workdays.calendar import WorkCalendar
from bandian.workdays.models import CalendarYear, SpecialDay

_cached: tuple[tuple[int, str], WorkCalendar] | None = None
_checked_at = 0.0
_last_year: tuple[float, int | None] | None = None  # (when read, the last year held)
RECHECK_SECONDS = 30.0


def _version() -> tuple[int, str]:
    years = CalendarYear.objects.order_by("-loaded_at").values_list("loaded_at", flat=True)
    latest = years.first()
    return (CalendarYear.objects.count(), latest.isoformat() if latest else "")


def build_calendar() -> WorkCalendar:
    days = SpecialDay.objects.values_list("date", "kind")
    return WorkCalendar(
        years=frozenset(CalendarYear.objects.values_list("year", flat=True)),
        holidays=frozenset(d for d, k in days if k == SpecialDay.Kind.HOLIDAY),
        makeup_days=frozenset(d for d, k in days if k == SpecialDay.Kind.MAKEUP),
    )


def get_calendar() -> WorkCalendar:
    """The calendar in force; a year loaded by another process shows within RECHECK_SECONDS."""
    global _cached, _checked_at
    now = time.monotonic()
    if _cached is not None and now - _checked_at < RECHECK_SECONDS:
        return _cached[1]
    version = _version()
    if _cached is None or _cached[0] != version:
        _cached = (version, build_calendar())
    _checked_at = now
    return _cached[1]


def last_year() -> int | None:
    """The last year the calendar holds (None: none), as fresh as get_calendar(): from the calendar
    when it was checked within RECHECK_SECONDS, else one query, itself kept that long. The banner
    of every staff page asks; it must not rebuild the calendar."""
    global _last_year
    now = time.monotonic()
    if _cached is not None and now - _checked_at < RECHECK_SECONDS:
        years = _cached[1].years
        return max(years) if years else None
    if _last_year is None or now - _last_year[0] >= RECHECK_SECONDS:
        _last_year = (now, CalendarYear.objects.aggregate(last=Max("year"))["last"])
    return _last_year[1]


def forget_calendar() -> None:
    global _cached, _last_year
    _cached = None
    _last_year = None


def calendar_years(*, this_year: int) -> range:
    """The years a page may be asked about: those the calendar holds, and this year even before
    its calendar is loaded (a page for it still shows what can be shown)."""
    held = CalendarYear.objects.aggregate(first=Min("year"), last=Max("year"))
    first, last = held["first"] or this_year, held["last"] or this_year
    return range(min(first, this_year), max(last, this_year) + 1)
