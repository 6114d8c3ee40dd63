"""`manage.py workdays load|add|between|show`: the official working-day calendar."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bandian.workdays.calendar import CalendarYearMissing
from bandian.workdays.models import CalendarYear, SpecialDay
from bandian.workdays.selectors import get_calendar
from bandian.workdays.services import ArrangementError, calendar_year_load, read_arrangement

WEEKDAY = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a date; write it as YYYY-MM-DD") from None


def _int(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise CommandError(f"{what} must be a whole number, not {text!r}") from None


class Command(BaseCommand):
    help = (
        "The official working-day calendar (State Council holiday arrangements). "
        "'load FILE' adds or replaces one year from a data file (docs/calendar-format.md); "
        "'add DATE N' prints the date N working days after DATE (before it for negative N); "
        "'between A B' prints the number of working days from A to B, both included; "
        "'show YEAR' lists the year's holidays and make-up working days. "
        "A computation touching a year the calendar does not hold fails naming that year (exit 1)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{load,add,between,show}")
        load = actions.add_parser("load", help="add or replace one year from a TOML data file")
        load.add_argument("file", metavar="FILE")
        load.add_argument("--dry-run", action="store_true", help="validate the file and write nothing")
        add = actions.add_parser("add", help="the date N working days after DATE (negative N: before)")
        add.add_argument("date", metavar="DATE")
        add.add_argument("n", metavar="N")
        between = actions.add_parser("between", help="working days from A to B, both included")
        between.add_argument("a", metavar="A")
        between.add_argument("b", metavar="B")
        show = actions.add_parser("show", help="the holidays and make-up working days of YEAR")
        show.add_argument("year", metavar="YEAR")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "load":
                self._load(Path(options["file"]), dry_run=options.get("dry_run", False))
            elif action == "add":
                day, n = _date(options["date"]), _int(options["n"], "N")
                self.stdout.write(get_calendar().add_workdays(day, n).isoformat())
            elif action == "between":
                a, b = _date(options["a"]), _date(options["b"])
                if b < a:
                    raise CommandError(f"B ({b}) is before A ({a})")
                self.stdout.write(str(get_calendar().workdays_between(a, b)))
            else:
                self._show(_int(options["year"], "YEAR"))
        except CalendarYearMissing as exc:
            raise CommandError(f"{exc} (manage.py workdays load FILE)") from exc

    def _load(self, path: Path, *, dry_run: bool) -> None:
        try:
            arrangement = read_arrangement(path)
        except ArrangementError as exc:
            raise CommandError(f"{path}: nothing loaded:\n  " + "\n  ".join(exc.problems)) from exc
        if "SAMPLE" in arrangement.source.upper():
            self.stderr.write(
                f"Warning: {path} says it is a SAMPLE, not the official arrangement of {arrangement.year}."
            )
        replaced = CalendarYear.objects.filter(year=arrangement.year).exists()
        if dry_run:
            rows = arrangement.rows()
            self.stdout.write(
                f"{path} is valid: {arrangement.year} ({arrangement.source}), {len(rows)} days; "
                f"it would {'replace' if replaced else 'add'} the year. Nothing written (--dry-run)."
            )
            return
        loaded = calendar_year_load(arrangement=arrangement)
        rows = arrangement.rows()
        holidays = sum(1 for _, kind, _ in rows if kind == SpecialDay.Kind.HOLIDAY)
        self.stdout.write(
            f"{'Replaced' if replaced else 'Loaded'} {arrangement.year} ({arrangement.source}): "
            f"{holidays} holidays, {len(rows) - holidays} make-up working days, "
            f"{get_calendar().workdays_between(dt.date(arrangement.year, 1, 1), dt.date(arrangement.year, 12, 31))} "
            "working days in the year." + "".join(f" {note}" for note in loaded.notes)
        )

    def _show(self, year: int) -> None:
        held = CalendarYear.objects.filter(year=year).first()
        if held is None:
            raise CalendarYearMissing(year)
        days = list(SpecialDay.objects.filter(date__year=year).order_by("date"))
        holidays = [d for d in days if d.kind == SpecialDay.Kind.HOLIDAY]
        makeup = [d for d in days if d.kind == SpecialDay.Kind.MAKEUP]
        out = [f"{year} · source: {held.source}", f"Holidays ({len(holidays)} days):"]
        # Runs of consecutive dates with one name, e.g. "2026-10-01 – 2026-10-07  National Day (7 days)".
        runs: list[list[SpecialDay]] = []
        for day in holidays:
            if runs and runs[-1][-1].name == day.name and (day.date - runs[-1][-1].date).days == 1:
                runs[-1].append(day)
            else:
                runs.append([day])
        for run in runs:
            first, last = run[0].date, run[-1].date
            span = first.isoformat() if first == last else f"{first} – {last}"
            out.append(f"  {span:<25} {run[0].name or '-'} ({len(run)} day{'s' if len(run) > 1 else ''})")
        out.append(f"Make-up working days ({len(makeup)}):")
        for day in makeup:
            out.append(f"  {day.date} {WEEKDAY[day.date.weekday()]}   {day.name or '-'}")
        total = get_calendar().workdays_between(dt.date(year, 1, 1), dt.date(year, 12, 31))
        out.append(f"Working days in {year}: {total}")
        self.stdout.write("\n".join(out))
