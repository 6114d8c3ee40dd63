"""Print the reliability figures (requirements §6) of a year, from §5 files or from the database."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import polars as pl
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bandian.core.time import year_bounds
from bandian.outages.records import SHOWN, InputError, Problem
from bandian.policy.areas import AREA_CLASSES
from bandian.policy.loader import active_policy
from bandian.reliability.engine import Report, compute_year
from bandian.reliability.readers import read_interruptions, read_users


class Command(BaseCommand):
    help = (
        "Reliability figures (requirements §6) for YEAR (Asia/Shanghai) by area class, by county and "
        "in total, from the §5 outage files (--users and --interruptions, CSV or Parquet) without "
        "touching the database, or from the database (--from-db). --format json prints "
        "{year, by_area, by_county, total}; --format csv one row per scope (scope, key, figures; "
        "cemi as cemi_1..cemi_5). Figures are rounded to 6 decimals; targets come from the policy. "
        "A file with bad rows stops the command, listing each as file, line, column: reason."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--users", type=Path, help="users file (.csv or .parquet)")
        parser.add_argument("--interruptions", type=Path, help="interruptions file (.csv or .parquet)")
        parser.add_argument("--from-db", action="store_true", help="read MV users and interruptions from the database")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--output", type=Path, help="write to this file instead of standard output")

    def handle(self, *args: Any, **options: Any) -> None:
        year: int = options["year"]
        if not 2000 <= year <= 2100:
            raise CommandError(f"--year {year}: not a year this report can cover")
        files = (options["users"], options["interruptions"])
        if options["from_db"]:
            if any(files):
                raise CommandError("give either --from-db or --users and --interruptions, not both")
            users, interruptions = _from_db(year)
        else:
            if not all(files):
                raise CommandError("give --users FILE and --interruptions FILE (or --from-db)")
            users, interruptions = _from_files(*files)

        target = active_policy().reliability_target(year)
        targets = None if target is None else {area: getattr(target, area) for area in AREA_CLASSES}
        # The figures do not need event ids: let their memory go before the engine's peak.
        interruptions = interruptions.drop("event_id")
        report = compute_year(users, interruptions, year, targets=targets)
        if report.unmatched_rows:
            self.stderr.write(
                f"warning: {report.unmatched_rows} interruption rows name a user_id that is not among "
                "the users; they are left out"
            )
        text = _render(report, options["format"])
        if options["output"] is None:
            self.stdout.write(text, ending="")
            return
        try:
            options["output"].write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"--output {options['output']}: {exc.strerror}") from exc


def _from_files(users_path: Path, interruptions_path: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Both files, validated; every problem of both files in one CommandError."""
    problems: list[Problem] = []
    total = 0
    frames: list[pl.DataFrame] = []
    for reader, path in ((read_users, users_path), (read_interruptions, interruptions_path)):
        try:
            frames.append(reader(path))
        except InputError as exc:
            problems += exc.problems
            total += exc.total
    if problems:
        shown = [str(p) for p in problems[:SHOWN]]
        if total > SHOWN:
            shown.append(f"and {total - SHOWN} more")
        raise CommandError(f"{total} problem{'s' if total != 1 else ''} in the input:\n" + "\n".join(shown))
    return frames[0], frames[1]


def _from_db(year: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    try:
        from bandian.reliability import frames
    except ImportError as exc:
        raise CommandError(f"--from-db needs bandian.reliability.frames, which cannot be imported: {exc}") from exc
    start, end = year_bounds(year)
    return frames.users_frame(), frames.interruptions_frame(start, end)


def _render(report: Report, fmt: str) -> str:
    if fmt == "json":
        doc = report.as_dict()
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in report.csv_rows():
        writer.writerow(["" if v is None else _csv(v) for v in row])
    return out.getvalue()


def _csv(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value
