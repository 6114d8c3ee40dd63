"""Brute-force references for the working-day arithmetic: walk hour by hour, day by day.

Slow and obviously right: each hour of Asia/Shanghai time lies within one date, so the working
time of an interval is the sum, over the hours it overlaps, of the overlap on working dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from bandian.core.time import SHANGHAI
from bandian.workdays.calendar import CalendarYearMissing

HOUR = dt.timedelta(hours=1)
ONE_DAY = dt.timedelta(days=1)
IsWorking = Callable[[dt.date], bool]


def local(t: dt.datetime) -> dt.datetime:
    return t.astimezone(SHANGHAI).replace(tzinfo=None)


def floor_hour(t: dt.datetime) -> dt.datetime:
    return t.replace(minute=0, second=0, microsecond=0)


def rule(holidays: Iterable[dt.date], makeup: Iterable[dt.date]) -> IsWorking:
    off, on = frozenset(holidays), frozenset(makeup)
    return lambda d: d in on or (d.weekday() < 5 and d not in off)


def working_seconds(is_working: IsWorking, years: Iterable[int], start: dt.datetime, end: dt.datetime) -> float:
    held = set(years)
    s, e = local(start), local(end)
    total = 0.0
    t = floor_hour(s)
    while t < e:
        lo, hi = max(t, s), min(t + HOUR, e)
        if hi > lo:
            if t.year not in held:
                raise CalendarYearMissing(t.year)
            if is_working(t.date()):
                total += (hi - lo).total_seconds()
        t += HOUR
    return total


def deadline(
    is_working: IsWorking,
    years: Iterable[int],
    start: dt.datetime,
    seconds: float,
    excluded: Iterable[tuple[dt.datetime, dt.datetime]] = (),
) -> dt.datetime | None:
    """The first instant with `seconds` of working time outside `excluded` after start.

    None when an excluded interval that never ends (ends in year 9999) is reached first.
    """
    held = set(years)
    ex = [(local(a), local(b)) for a, b in excluded]
    s = local(start)
    if s.year not in held:
        raise CalendarYearMissing(s.year)
    done = 0.0
    t = s
    while True:
        nxt = floor_hour(t) + HOUR
        for a, b in ex:  # cut the slot where an excluded interval begins or ends
            if t < a < nxt:
                nxt = a
            if t < b < nxt:
                nxt = b
        inside = next(((a, b) for a, b in ex if a <= t < b), None)
        if inside is not None:
            if inside[1].year >= 9999:
                return None
        else:
            if t.year not in held:
                raise CalendarYearMissing(t.year)
            if is_working(t.date()):
                available = (nxt - t).total_seconds()
                if done + available >= seconds:
                    return (t + dt.timedelta(seconds=seconds - done)).replace(tzinfo=SHANGHAI)
                done += available
        t = nxt


def add_workdays(is_working: IsWorking, years: Iterable[int], day: dt.date, n: int) -> dt.date:
    held = set(years)
    if day.year not in held:
        raise CalendarYearMissing(day.year)
    step = ONE_DAY if n > 0 else -ONE_DAY
    count = 0
    while count < abs(n):
        day += step
        if day.year not in held:
            raise CalendarYearMissing(day.year)
        count += is_working(day)
    return day


def workdays_between(is_working: IsWorking, years: Iterable[int], a: dt.date, b: dt.date) -> int:
    held = set(years)
    count = 0
    day = a
    while day <= b:
        if day.year not in held:
            raise CalendarYearMissing(day.year)
        count += is_working(day)
        day += ONE_DAY
    return count
