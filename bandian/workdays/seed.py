"""Seeding the calendar from the chinesecalendar package, for the years it holds in full."""

from __future__ import annotations

import datetime as dt

SEED_YEARS = range(2004, 2027)
SEED_SOURCE = "chinesecalendar 1.11.0 (State Council arrangements 2004–2026)"


def seed_days() -> list[tuple[dt.date, str, str]]:
    """(date, kind, name) for every holiday and make-up working day of 2004–2026."""
    from chinese_calendar import constants

    rows: list[tuple[dt.date, str, str]] = []
    for day, holiday in sorted(constants.holidays.items()):
        if day.year in SEED_YEARS:
            rows.append((day, "holiday", getattr(holiday, "value", str(holiday)).split(",")[0]))
    for day, holiday in sorted(constants.workdays.items()):
        if day.year in SEED_YEARS:
            rows.append((day, "makeup", getattr(holiday, "value", str(holiday)).split(",")[0]))
    return rows
