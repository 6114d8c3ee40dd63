"""Official working-day arithmetic: pure functions over a calendar held in memory.

A working day is a date in Asia/Shanghai that is a weekday and not a holiday, or a weekend day
declared a make-up working day (调休上班). The working time of an interval is its length after
removing every non-working date, 24 hours making one working day (requirements §4).

The calendar keeps a prefix sum of working days, so that the working time of any interval and
any deadline are computed in O(log n) whatever their length. A computation that touches a year
the calendar does not hold raises CalendarYearMissing: it never guesses.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import accumulate

from django.utils.translation import gettext as _

from bandian.core.errors import RuleGap
from bandian.core.time import SHANGHAI

DAY = 86400  # seconds of working time in one working day
ONE_DAY = dt.timedelta(days=1)


class CalendarYearMissing(RuleGap):
    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(f"the working-day calendar holds no data for {year}; load that year's official arrangement")

    def refusal(self) -> str:
        return _("工作日历缺少 %(y)s 年的数据，请管理员导入当年的放假安排") % {"y": self.year}


@dataclass(frozen=True)
class WorkCalendar:
    """Working days of the years held, from Jan 1 of the first to Dec 31 of the last."""

    years: frozenset[int]
    holidays: frozenset[dt.date]
    makeup_days: frozenset[dt.date]
    first: dt.date = field(init=False)
    last: dt.date = field(init=False)
    _cum: list[int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.years:
            object.__setattr__(self, "first", dt.date(1, 1, 1))
            object.__setattr__(self, "last", dt.date(1, 1, 1))
            object.__setattr__(self, "_cum", [0])
            return
        first = dt.date(min(self.years), 1, 1)
        last = dt.date(max(self.years), 12, 31)
        flags = []
        day = first
        while day <= last:
            flags.append(1 if self._is_working(day) else 0)
            day += ONE_DAY
        object.__setattr__(self, "first", first)
        object.__setattr__(self, "last", last)
        # _cum[i] = working days among the first i days of the span.
        object.__setattr__(self, "_cum", [0, *accumulate(flags)])

    def _is_working(self, day: dt.date) -> bool:
        if day in self.makeup_days:
            return True
        return day.weekday() < 5 and day not in self.holidays

    # Dates.

    def check(self, first: dt.date, last: dt.date | None = None) -> None:
        """Raise CalendarYearMissing for the first year in [first, last] that is not held."""
        for year in range(first.year, (last or first).year + 1):
            if year not in self.years:
                raise CalendarYearMissing(year)

    def _check_back(self, last: dt.date, first: dt.date) -> None:
        """Like check, walking back in time: name the latest year of [first, last] not held."""
        for year in range(last.year, first.year - 1, -1):
            if year not in self.years:
                raise CalendarYearMissing(year)

    def is_working_day(self, day: dt.date) -> bool:
        self.check(day)
        return self._is_working(day)

    def _index(self, day: dt.date) -> int:
        return (day - self.first).days

    def workdays_between(self, a: dt.date, b: dt.date) -> int:
        """Working days from a to b, both included (0 when b is before a)."""
        if b < a:
            return 0
        self.check(a, b)
        return self._cum[self._index(b) + 1] - self._cum[self._index(a)]

    def add_workdays(self, day: dt.date, n: int) -> dt.date:
        """The date n working days after day (before it for negative n); day itself for n = 0.

        A year not held that the count would cross raises CalendarYearMissing naming the first
        such year in the direction of the count.
        """
        self.check(day)
        if n == 0:
            return day
        i = self._index(day)
        if n > 0:
            target = self._cum[i + 1] + n
            j = bisect.bisect_left(self._cum, target)
            if j >= len(self._cum):
                self.check(day, self.last)
                raise CalendarYearMissing(self.last.year + 1)
            result = self.first + dt.timedelta(days=j - 1)
            self.check(day, result)
        else:
            target = self._cum[i] + n + 1  # the working day whose _cum[j + 1] reaches this
            if target < 1:
                self._check_back(day, self.first)
                raise CalendarYearMissing(self.first.year - 1)
            j = bisect.bisect_left(self._cum, target)
            result = self.first + dt.timedelta(days=j - 1)
            self._check_back(day, result)
        return result

    # Instants.

    def working_seconds(self, start: dt.datetime, end: dt.datetime) -> int | float:
        """Working time of [start, end] in seconds (0 when end is not after start)."""
        if end <= start:
            return 0
        s = start.astimezone(SHANGHAI).replace(tzinfo=None)
        e = end.astimezone(SHANGHAI).replace(tzinfo=None)
        d0 = s.date()
        # An interval ending at midnight ends with the day before: it touches nothing of e's date.
        d1 = e.date() if e.time() != dt.time() else e.date() - ONE_DAY
        self.check(d0, d1)
        i0, i1 = self._index(d0), self._index(d1)
        cum = self._cum
        if i0 == i1:
            return (e - s).total_seconds() if cum[i0 + 1] - cum[i0] else 0
        total: float = 0.0
        if cum[i0 + 1] - cum[i0]:
            total += (dt.datetime.combine(d0 + ONE_DAY, dt.time()) - s).total_seconds()
        total += (cum[i1] - cum[i0 + 1]) * DAY
        if cum[i1 + 1] - cum[i1]:
            total += (e - dt.datetime.combine(d1, dt.time())).total_seconds()
        return total

    def deadline(self, start: dt.datetime, seconds: float) -> dt.datetime:
        """The instant at which `seconds` of working time have accumulated after start."""
        s = start.astimezone(SHANGHAI).replace(tzinfo=None)
        d0 = s.date()
        self.check(d0)
        if seconds <= 0:
            return start
        i0 = self._index(d0)
        cum = self._cum
        need = float(seconds)
        if cum[i0 + 1] - cum[i0]:
            left_today = (dt.datetime.combine(d0 + ONE_DAY, dt.time()) - s).total_seconds()
            if need <= left_today:
                return start + dt.timedelta(seconds=need)
            need -= left_today
        full, rem = divmod(need, DAY)
        target = cum[i0 + 1] + int(full) + (1 if rem else 0)
        j = bisect.bisect_left(cum, target)
        if j >= len(cum):
            self.check(d0, self.last)
            raise CalendarYearMissing(self.last.year + 1)
        day = self.first + dt.timedelta(days=j - 1)  # the working day on which it ends
        self.check(d0, day)
        midnight = dt.datetime.combine(day, dt.time(), tzinfo=SHANGHAI)
        end = midnight + dt.timedelta(seconds=rem) if rem else midnight + ONE_DAY
        return end.astimezone(start.tzinfo)


Interval = tuple[dt.datetime, dt.datetime]


def union(intervals: Iterable[Interval]) -> list[Interval]:
    """Merge overlapping or touching intervals; empty ones vanish."""
    merged: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def clip(intervals: Iterable[Interval], start: dt.datetime, end: dt.datetime) -> list[Interval]:
    return [(max(s, start), min(e, end)) for s, e in intervals if min(e, end) > max(s, start)]


def working_seconds_of(cal: WorkCalendar, intervals: Iterable[Interval]) -> float:
    """Working time of a union of intervals."""
    return float(sum(cal.working_seconds(s, e) for s, e in union(intervals)))


def deadline_excluding(
    cal: WorkCalendar, start: dt.datetime, seconds: float, excluded: Iterable[Interval]
) -> dt.datetime | None:
    """When `seconds` of working time have run from start, the clock stopped during `excluded`.

    None when the clock is stopped by an interval that has not ended (its end is None-free here:
    callers pass open intervals ending at a far future instant and get None back past it).
    """
    at = start
    need = float(seconds)
    for ex_start, ex_end in union(excluded):
        if ex_end <= at:
            continue
        if ex_start > at:
            available = cal.working_seconds(at, ex_start)
            if need <= available:
                return cal.deadline(at, need)
            need -= available
        at = max(at, ex_end)
        if at >= OPEN_END:
            return None
    return cal.deadline(at, need)


# The end given to an interval still open (a pause not yet resumed) when a deadline is sought.
OPEN_END = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)


# Working time as a prefix sum over instants, for computing many clocks from raw rows.

DAY_US = DAY * 1_000_000
# Asia/Shanghai has been UTC+8 without daylight saving since 1992; earlier years had DST.
SHANGHAI_OFFSET_US = 8 * 3600 * 1_000_000
FIXED_OFFSET_FROM = 1992
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


class WorkingTimeline:
    """W(t): the working time, in integer microseconds, from the calendar's first day to the
    instant t given as UTC epoch microseconds. The working time of [s, e] is W(e) − W(s), and
    that of a union of intervals the sum over its parts: what `WorkCalendar.working_seconds`
    computes, in exact integers, with no datetime built.

    Only for a calendar of consecutive years from 1992 on (Shanghai's offset is fixed there);
    `WorkingTimeline.usable(cal)` says whether one can be built. An instant whose Shanghai date
    lies outside the calendar raises CalendarYearMissing naming that date's year (an instant at
    midnight belongs to the day before, as in `working_seconds`).
    """

    __slots__ = ("_cum_us", "_day0", "_days", "_working")

    @staticmethod
    def usable(cal: WorkCalendar) -> bool:
        return (
            bool(cal.years)
            and min(cal.years) >= FIXED_OFFSET_FROM
            and len(cal.years) == max(cal.years) - min(cal.years) + 1
        )

    def __init__(self, cal: WorkCalendar) -> None:
        if not self.usable(cal):
            raise ValueError("a working timeline needs consecutive calendar years from 1992 on")
        cum = cal._cum
        self._cum_us = [c * DAY_US for c in cum]
        self._working = bytes(cum[i + 1] - cum[i] for i in range(len(cum) - 1))
        self._day0 = cal.first.toordinal() - _EPOCH_ORDINAL  # epoch day of the first date
        self._days = len(cum) - 1

    def at(self, t_us: int) -> int:
        return self.function()(t_us)

    def function(self) -> Callable[[int], int]:
        """W as a plain function (its state in locals: the report calls it a million times)."""
        cum_us, working, day0, days = self._cum_us, self._working, self._day0, self._days
        offset, day_us = SHANGHAI_OFFSET_US, DAY_US

        def at(t_us: int) -> int:
            day, into = divmod(t_us + offset, day_us)
            i = day - day0
            if into:
                if 0 <= i < days:
                    return cum_us[i] + into if working[i] else cum_us[i]
            elif 0 <= i <= days:  # midnight: the working time of the days before it
                return cum_us[i]
            raise CalendarYearMissing(dt.date.fromordinal(_EPOCH_ORDINAL + day - (not into)).year)

        return at
