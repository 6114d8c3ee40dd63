"""Loading one year's official holiday arrangement into the calendar table.

The data file is TOML (format: docs/calendar-format.md). It is validated in full before anything
is written; then the year's rows are replaced in one transaction, so a year is held completely or
not at all, and loading a year already held replaces it.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from bandian.workdays.models import CalendarYear, SpecialDay
from bandian.workdays.selectors import forget_calendar
from bandian.workdays.signals import calendar_changed

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
TOP_KEYS = {"year", "source", "holidays"}
PERIOD_KEYS = {"name", "dates", "makeup"}


class ArrangementError(ValueError):
    """The data file cannot be loaded; `problems` name each key that is wrong."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


@dataclass(frozen=True)
class Period:
    name: str
    holidays: tuple[dt.date, ...]
    makeup: tuple[dt.date, ...]


@dataclass(frozen=True)
class Arrangement:
    """One year of the State Council's arrangement, validated."""

    year: int
    source: str
    periods: tuple[Period, ...] = field(default_factory=tuple)

    def rows(self) -> list[tuple[dt.date, str, str]]:
        out = []
        for period in self.periods:
            out += [(day, SpecialDay.Kind.HOLIDAY.value, period.name) for day in period.holidays]
            out += [(day, SpecialDay.Kind.MAKEUP.value, period.name) for day in period.makeup]
        return sorted(out)


def _dates(value: Any, key: str, problems: list[str]) -> list[dt.date]:
    """A list whose items are TOML dates or {from = DATE, to = DATE} ranges."""
    if not isinstance(value, list):
        problems.append(f"{key}: must be a list of dates, e.g. [2027-10-01, {{ from = 2027-10-02, to = 2027-10-07 }}]")
        return []
    out: list[dt.date] = []
    for i, item in enumerate(value):
        where = f"{key}[{i}]"
        if isinstance(item, dt.date) and not isinstance(item, dt.datetime):
            out.append(item)
        elif isinstance(item, dict):
            if set(item) != {"from", "to"}:
                problems.append(f"{where}: a range has exactly the keys 'from' and 'to', not {sorted(item)}")
                continue
            first, last = item["from"], item["to"]
            if not all(isinstance(d, dt.date) and not isinstance(d, dt.datetime) for d in (first, last)):
                problems.append(f"{where}: 'from' and 'to' must be dates written without quotes (2027-10-01)")
                continue
            if last < first:
                problems.append(f"{where}: 'to' ({last}) is before 'from' ({first})")
                continue
            out += [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
        elif isinstance(item, str):
            problems.append(f"{where}: {item!r} is a string; write the date without quotes (2027-10-01)")
        else:
            problems.append(f"{where}: {item!r} is not a date")
    return out


def _key_lines(text: str) -> dict[tuple[int, str], int]:
    """(period index, key) -> line number, for files laid out with [[holidays]] headers."""
    out: dict[tuple[int, str], int] = {}
    period = -1
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if re.match(r"^\[\[\s*holidays\s*\]\]", stripped):
            period += 1
        elif match := re.match(r"^([A-Za-z_]+)\s*=", stripped):
            out.setdefault((period, match.group(1)), number)
    return out


def parse_arrangement(text: str, *, path: str = "<data>") -> Arrangement:
    """Validate a data file's text; ArrangementError names every key that is wrong."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ArrangementError(path, [f"not valid TOML: {exc}"]) from exc
    problems: list[str] = []
    problems += [f"{key}: unknown key (allowed: {', '.join(sorted(TOP_KEYS))})" for key in sorted(set(raw) - TOP_KEYS)]

    year = raw.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 1900 <= year <= 2200:
        problems.append(f"year: must be a year such as 2027, not {year!r}" if "year" in raw else "year: missing")
        year = None
    source = raw.get("source")
    if not isinstance(source, str) or not source.strip():
        problems.append(
            "source: missing" if "source" in raw else "source: missing (the notice, e.g. 国办发明电〔2026〕…号)"
        )
        source = ""
    elif len(source) > CalendarYear._meta.get_field("source").max_length:  # type: ignore[operator]
        problems.append("source: longer than 200 characters")

    periods_raw = raw.get("holidays")
    if not isinstance(periods_raw, list) or not periods_raw:
        problems.append("holidays: missing; give each holiday period as a [[holidays]] table")
        periods_raw = []

    lines = _key_lines(text)
    periods: list[Period] = []
    seen: dict[dt.date, str] = {}  # date -> key where it was first given
    for i, period in enumerate(periods_raw):
        where = f"holidays[{i}]"
        if not isinstance(period, dict):
            problems.append(f"{where}: must be a table with name, dates and makeup")
            continue
        problems += [
            f"{where}.{key}: unknown key (allowed: dates, makeup, name)" for key in sorted(set(period) - PERIOD_KEYS)
        ]
        name = period.get("name")
        if not isinstance(name, str) or not name.strip():
            problems.append(f"{where}.name: missing")
            name = ""
        elif len(name) > SpecialDay._meta.get_field("name").max_length:  # type: ignore[operator]
            problems.append(f"{where}.name: longer than 100 characters")
        label = f"{where} ({name})" if name else where
        if "dates" not in period:
            problems.append(f"{label}.dates: missing")
        found: dict[str, list[dt.date]] = {}
        for kind in ("dates", "makeup"):
            key = f"{label}.{kind}"
            wrong: list[str] = []
            found[kind] = days = _dates(period.get(kind, []), key, wrong)
            for day in days:
                if year is not None and day.year != year:
                    wrong.append(f"{key}: {day} is not in {year}; put each date in the file of its own year")
                if kind == "makeup" and day.weekday() < 5:
                    weekday = WEEKDAYS[day.weekday()]
                    wrong.append(f"{key}: {day} is a {weekday}; a make-up working day must be a Saturday or Sunday")
                if day in seen:
                    wrong.append(f"{key}: {day} is given twice (first at {seen[day]})")
                else:
                    seen[day] = key
            line = lines.get((i, kind))
            problems += [f"{problem} (line {line})" if line else problem for problem in wrong]
        holidays, makeup = found["dates"], found["makeup"]
        periods.append(Period(name=name.strip(), holidays=tuple(holidays), makeup=tuple(makeup)))

    if problems:
        raise ArrangementError(path, problems)
    assert year is not None
    return Arrangement(year=year, source=source.strip(), periods=tuple(periods))


def read_arrangement(path: Path) -> Arrangement:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ArrangementError(str(path), ["no such file"]) from exc
    except UnicodeDecodeError as exc:
        raise ArrangementError(str(path), [f"not UTF-8 text: {exc}"]) from exc
    return parse_arrangement(text, path=str(path))


@dataclass(frozen=True)
class YearLoaded:
    held: CalendarYear
    notes: list[str]  # what the apps recomputed, one sentence each (`calendar_changed` receivers)


def calendar_year_load(*, arrangement: Arrangement) -> YearLoaded:
    """Hold the year as the arrangement gives it, replacing what was held for it; then tell the
    apps whose stored dates depend on the calendar (`signals.calendar_changed`)."""
    year = arrangement.year
    with transaction.atomic():
        SpecialDay.objects.filter(date__year=year).delete()
        CalendarYear.objects.filter(year=year).delete()
        SpecialDay.objects.bulk_create(
            [SpecialDay(date=day, kind=kind, name=name) for day, kind, name in arrangement.rows()]
        )
        held = CalendarYear.objects.create(year=year, source=arrangement.source)
    forget_calendar()
    responses = calendar_changed.send(sender=CalendarYear, year=year)
    return YearLoaded(held=held, notes=[note for _, note in responses if note])
