"""Import §5 outage records: an interruptions file (CSV or Parquet) and optionally its users file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bandian.outages.importer import import_interruptions


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CommandError(f"{path}: cannot read the file: {exc.strerror or exc}", returncode=2) from exc


class Command(BaseCommand):
    help = (
        "Import interruption records in the requirements §5 format (CSV or Parquet, by extension). "
        "Every row is validated: a bad one is reported as 'line N, field F: reason' on stderr and the "
        "good ones are kept. Rows are upserted by (event_id, user_id), so importing again adds nothing. "
        "With --users, the §5 users file is read first: users not in the grid are added (no feeder), "
        "users in the grid are checked against it. An interruption must name a known user. "
        "Exit status: 0 when every row was imported, 1 when some row was bad, 2 when a file cannot be read."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="interruptions: event_id,user_id,start,end,kind,cause")
        parser.add_argument("--users", type=Path, help="users: user_id,area_class,county,in_service_from,in_service_to")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        users_path: Path | None = options["users"]
        data = _read(path)
        users = (_read(users_path), users_path.name) if users_path else None
        report = import_interruptions(data, path.name, users=users)
        if report.users is not None:
            for error in report.users.errors:
                self.stderr.write(f"{users_path}: {error}")
            u = report.users
            self.stdout.write(f"{users_path}: {u.created} users added, {u.updated} checked, {len(u.errors)} rejected")
        for error in report.interruptions.errors:
            self.stderr.write(f"{path}: {error}")
        r = report.interruptions
        self.stdout.write(f"{path}: {r.created} created, {r.updated} updated, {len(r.errors)} rejected")
        if report.errors:
            raise SystemExit(1)
