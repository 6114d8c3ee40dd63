"""Load the grid model from CSV files (docs/grid.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bandian.grid.loaders import GridLoader

OPTIONS = {
    "substations": "--substations",
    "feeders": "--feeders",
    "transformers": "--transformers",
    "mv_users": "--mv-users",
    "lv_customers": "--lv-customers",
}


class Command(BaseCommand):
    help = (
        "Load substations, feeders, transformers, MV users and LV customers from CSV files (any subset; "
        "loaded in that order). Every row is validated: a bad one is reported as 'line N, field F: reason' "
        "on stderr and the good ones are kept. Rows are upserted by code, so loading again adds nothing. "
        "Exit status: 0 when every row loaded, 1 when some row was bad, 2 when a file cannot be read."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        for name, flag in OPTIONS.items():
            parser.add_argument(flag, dest=name, type=Path, metavar="FILE", help=f"{name.replace('_', ' ')} CSV")

    def handle(self, *args: Any, **options: Any) -> None:
        files: dict[str, bytes] = {}
        paths: dict[str, Path] = {}
        for name in OPTIONS:
            path = options.get(name)
            if path is None:
                continue
            try:
                files[name] = path.read_bytes()
            except OSError as exc:
                raise CommandError(f"{path}: cannot read the file: {exc.strerror or exc}", returncode=2) from exc
            paths[name] = path
        if not files:
            raise CommandError("give at least one file: " + ", ".join(OPTIONS.values()))
        bad = 0
        for report in GridLoader().load(files):
            path = paths[report.name]
            for error in report.errors:
                self.stderr.write(f"{path}: {error}")
            bad += len(report.errors)
            self.stdout.write(
                f"{path}: {report.created} created, {report.updated} updated, {len(report.errors)} rejected"
            )
        if bad:
            raise SystemExit(1)
