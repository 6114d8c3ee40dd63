"""The working-day arithmetic against brute force, on the official calendar and on random ones."""

from __future__ import annotations

import datetime as dt
import functools
import itertools

import chinese_calendar
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bandian.core.time import SHANGHAI
from bandian.workdays.calendar import (
    DAY,
    OPEN_END,
    CalendarYearMissing,
    WorkCalendar,
    deadline_excluding,
    union,
    working_seconds_of,
)
from bandian.workdays.seed import SEED_YEARS, seed_days
from tests.workdays import reference as ref

HOUR = 3600
OFFICIAL = WorkCalendar(
    years=frozenset(SEED_YEARS),
    holidays=frozenset(d for d, kind, _ in seed_days() if kind == "holiday"),
    makeup_days=frozenset(d for d, kind, _ in seed_days() if kind == "makeup"),
)


@functools.cache
def official_is_working(day: dt.date) -> bool:
    # The chinesecalendar package's own rule: an independent reference for the seeded table.
    return bool(chinese_calendar.is_workday(day))


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


# The two worked examples of requirements §4 (2026 National Day: Oct 1–7 off, Oct 10 worked).


def test_worked_example_working_time_of_an_interval():
    seconds = OFFICIAL.working_seconds(at("2026-09-30 10:00"), at("2026-10-09 15:00"))
    assert seconds == 53 * HOUR
    assert round(seconds / DAY, 3) == 2.208


def test_worked_example_deadline_of_five_working_days():
    assert OFFICIAL.deadline(at("2026-09-30 10:00"), 5 * DAY) == at("2026-10-13 10:00")


def test_makeup_saturday_counts_and_holidays_do_not():
    assert OFFICIAL.is_working_day(dt.date(2026, 10, 10))  # Saturday, make-up working day
    assert not OFFICIAL.is_working_day(dt.date(2026, 10, 5))  # Monday, National Day
    assert OFFICIAL.workdays_between(dt.date(2026, 9, 28), dt.date(2026, 10, 11)) == 6  # Sep 28–30, Oct 8–10
    assert OFFICIAL.add_workdays(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)
    assert OFFICIAL.add_workdays(dt.date(2026, 10, 8), -1) == dt.date(2026, 9, 30)


def test_deadline_of_utc_start_comes_back_in_the_same_zone():
    start = at("2026-09-30 10:00").astimezone(dt.UTC)
    end = OFFICIAL.deadline(start, 5 * DAY)
    assert end.tzinfo == dt.UTC
    assert end == at("2026-10-13 10:00")


# A year the calendar does not hold is never guessed.


def test_interval_into_a_missing_year_names_it():
    with pytest.raises(CalendarYearMissing, match="2027"):
        OFFICIAL.working_seconds(at("2026-12-30 10:00"), at("2027-01-04 10:00"))


def test_interval_ending_at_midnight_of_a_missing_year_touches_nothing_of_it():
    assert OFFICIAL.working_seconds(at("2026-12-31 10:00"), at("2027-01-01 00:00")) == 14 * HOUR


def test_deadline_into_a_missing_year_names_it():
    with pytest.raises(CalendarYearMissing) as caught:
        OFFICIAL.deadline(at("2026-12-20 10:00"), 15 * DAY)
    assert caught.value.year == 2027
    assert "2027" in str(caught.value)


def test_counting_back_before_the_first_year_names_it():
    with pytest.raises(CalendarYearMissing, match="2003"):
        OFFICIAL.add_workdays(dt.date(2004, 1, 5), -10)
    with pytest.raises(CalendarYearMissing, match="2003"):
        OFFICIAL.workdays_between(dt.date(2003, 12, 1), dt.date(2004, 1, 5))
    with pytest.raises(CalendarYearMissing, match="2027"):
        OFFICIAL.add_workdays(dt.date(2026, 12, 1), 40)


def test_a_gap_between_held_years_is_named_not_the_year_after_the_last():
    cal = WorkCalendar(years=frozenset({2030, 2032}), holidays=frozenset(), makeup_days=frozenset())
    with pytest.raises(CalendarYearMissing, match="2031"):
        cal.deadline(at("2030-12-20 10:00"), 2000 * DAY)
    with pytest.raises(CalendarYearMissing, match="2031"):
        cal.add_workdays(dt.date(2030, 12, 20), 2000)
    with pytest.raises(CalendarYearMissing, match="2031"):
        cal.add_workdays(dt.date(2032, 1, 20), -2000)
    with pytest.raises(CalendarYearMissing, match="2031"):
        cal.working_seconds(at("2030-12-20 10:00"), at("2032-01-02 10:00"))


def test_an_empty_calendar_holds_nothing():
    cal = WorkCalendar(years=frozenset(), holidays=frozenset(), makeup_days=frozenset())
    with pytest.raises(CalendarYearMissing, match="2026"):
        cal.is_working_day(dt.date(2026, 1, 5))


# Properties against brute force on the official calendar (2004–2026).

instants = st.datetimes(min_value=dt.datetime(2004, 1, 1), max_value=dt.datetime(2026, 12, 31, 23, 59)).map(
    lambda t: t.replace(second=0, microsecond=0, tzinfo=SHANGHAI)
)
hour_instants = instants.map(lambda t: t.replace(minute=0))
dates = st.dates(min_value=dt.date(2004, 1, 1), max_value=dt.date(2026, 12, 31))


@settings(max_examples=150, deadline=None)
@given(start=instants, minutes=st.integers(min_value=0, max_value=60 * 24 * 200))
def test_working_time_of_an_interval_is_the_hour_by_hour_count(start, minutes):
    end = start + dt.timedelta(minutes=minutes)
    try:
        expected = ref.working_seconds(official_is_working, SEED_YEARS, start, end)
    except CalendarYearMissing as missing:
        with pytest.raises(CalendarYearMissing) as caught:
            OFFICIAL.working_seconds(start, end)
        assert caught.value.year == missing.year
        return
    assert OFFICIAL.working_seconds(start, end) == expected


@settings(max_examples=150, deadline=None)
@given(start=instants, hours=st.integers(min_value=1, max_value=24 * 30))
def test_deadline_is_the_first_instant_with_that_much_working_time(start, hours):
    try:
        expected = ref.deadline(official_is_working, SEED_YEARS, start, hours * HOUR)
    except CalendarYearMissing as missing:
        with pytest.raises(CalendarYearMissing) as caught:
            OFFICIAL.deadline(start, hours * HOUR)
        assert caught.value.year == missing.year
        return
    got = OFFICIAL.deadline(start, hours * HOUR)
    assert got == expected
    assert OFFICIAL.working_seconds(start, got) == hours * HOUR


@settings(max_examples=150, deadline=None)
@given(day=dates, n=st.integers(min_value=-300, max_value=300))
def test_add_workdays_is_the_day_by_day_count(day, n):
    try:
        expected = ref.add_workdays(official_is_working, SEED_YEARS, day, n)
    except CalendarYearMissing as missing:
        with pytest.raises(CalendarYearMissing) as caught:
            OFFICIAL.add_workdays(day, n)
        assert caught.value.year == missing.year
        return
    assert OFFICIAL.add_workdays(day, n) == expected


@settings(max_examples=150, deadline=None)
@given(a=dates, days=st.integers(min_value=-5, max_value=800))
def test_workdays_between_is_the_day_by_day_count(a, days):
    b = a + dt.timedelta(days=days)
    try:
        expected = ref.workdays_between(official_is_working, SEED_YEARS, a, b)
    except CalendarYearMissing as missing:
        with pytest.raises(CalendarYearMissing) as caught:
            OFFICIAL.workdays_between(a, b)
        assert caught.value.year == missing.year
        return
    assert OFFICIAL.workdays_between(a, b) == expected


@settings(max_examples=100, deadline=None)
@given(day=dates, n=st.integers(min_value=1, max_value=300))
def test_add_then_between_agree(day, n):
    assume(OFFICIAL.is_working_day(day))
    try:
        later = OFFICIAL.add_workdays(day, n)
    except CalendarYearMissing:
        return
    assert OFFICIAL.workdays_between(day, later) == n + 1
    assert OFFICIAL.add_workdays(later, -n) == day


# Random calendars: held years with gaps, random holidays and make-up days.


@st.composite
def calendars(draw):
    years = draw(st.sets(st.integers(min_value=2030, max_value=2035), min_size=1, max_size=5))
    span = [dt.date(min(years), 1, 1) + dt.timedelta(days=i) for i in range(366 * (max(years) - min(years) + 1))]
    span = [d for d in span if d.year in years]
    holidays = draw(st.sets(st.sampled_from(span), max_size=60))
    makeup = draw(st.sets(st.sampled_from(span), max_size=20)) - holidays
    cal = WorkCalendar(years=frozenset(years), holidays=frozenset(holidays), makeup_days=frozenset(makeup))
    return cal, ref.rule(holidays, makeup)


random_instants = st.datetimes(min_value=dt.datetime(2029, 12, 1), max_value=dt.datetime(2036, 1, 31)).map(
    lambda t: t.replace(second=0, microsecond=0, tzinfo=SHANGHAI)
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=calendars(), start=random_instants, minutes=st.integers(min_value=0, max_value=60 * 24 * 100))
def test_random_calendar_working_time(data, start, minutes):
    cal, is_working = data
    end = start + dt.timedelta(minutes=minutes)
    try:
        expected = ref.working_seconds(is_working, cal.years, start, end)
    except CalendarYearMissing as missing:
        with pytest.raises(CalendarYearMissing) as caught:
            cal.working_seconds(start, end)
        assert caught.value.year == missing.year
        return
    assert cal.working_seconds(start, end) == expected


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=calendars(), start=random_instants, hours=st.integers(min_value=1, max_value=24 * 40))
def test_random_calendar_deadline(data, start, hours):
    cal, is_working = data
    try:
        expected = ref.deadline(is_working, cal.years, start, hours * HOUR)
    except CalendarYearMissing as missing:
        with pytest.raises(CalendarYearMissing) as caught:
            cal.deadline(start, hours * HOUR)
        assert caught.value.year == missing.year
        return
    assert cal.deadline(start, hours * HOUR) == expected


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=calendars(), day=random_instants.map(lambda t: t.date()), n=st.integers(min_value=-400, max_value=400))
def test_random_calendar_add_workdays(data, day, n):
    cal, is_working = data
    try:
        expected = ref.add_workdays(is_working, cal.years, day, n)
    except CalendarYearMissing as missing:
        with pytest.raises(CalendarYearMissing) as caught:
            cal.add_workdays(day, n)
        assert caught.value.year == missing.year
        return
    assert cal.add_workdays(day, n) == expected


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=calendars(), a=random_instants.map(lambda t: t.date()), days=st.integers(min_value=0, max_value=800))
def test_random_calendar_workdays_between(data, a, days):
    cal, is_working = data
    b = a + dt.timedelta(days=days)
    try:
        expected = ref.workdays_between(is_working, cal.years, a, b)
    except CalendarYearMissing as missing:
        with pytest.raises(CalendarYearMissing) as caught:
            cal.workdays_between(a, b)
        assert caught.value.year == missing.year
        return
    assert cal.workdays_between(a, b) == expected


# Unions of intervals and deadlines with the clock stopped.

offsets = st.lists(
    st.tuples(st.integers(min_value=0, max_value=24 * 60), st.integers(min_value=1, max_value=24 * 10)), max_size=6
)
BASE = at("2025-03-01 00:00")


def _intervals(pairs):
    return [(BASE + dt.timedelta(hours=a), BASE + dt.timedelta(hours=a + n)) for a, n in pairs]


@settings(max_examples=100, deadline=None)
@given(pairs=offsets)
def test_working_time_of_a_union_counts_each_hour_once(pairs):
    intervals = _intervals(pairs)
    merged = union(intervals)
    assert all(e1 < s2 for (_, e1), (s2, _) in itertools.pairwise(merged))
    hours = {
        BASE + dt.timedelta(hours=h)
        for a, n in pairs
        for h in range(a, a + n)
        if official_is_working((BASE + dt.timedelta(hours=h)).date())
    }
    assert working_seconds_of(OFFICIAL, intervals) == len(hours) * HOUR


@settings(max_examples=150, deadline=None)
@given(
    start_h=st.integers(min_value=0, max_value=24 * 30),
    pairs=offsets,
    hours=st.integers(min_value=1, max_value=24 * 25),
    open_from=st.none() | st.integers(min_value=0, max_value=24 * 70),
)
def test_deadline_excluding_skips_the_stopped_time(start_h, pairs, hours, open_from):
    start = BASE + dt.timedelta(hours=start_h)
    excluded = _intervals(pairs)
    if open_from is not None:
        excluded.append((BASE + dt.timedelta(hours=open_from), OPEN_END))
    expected = ref.deadline(official_is_working, SEED_YEARS, start, hours * HOUR, excluded)
    assert deadline_excluding(OFFICIAL, start, hours * HOUR, excluded) == expected
