"""Load application records in the §5 interchange format (JSON Lines)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bandian.applications.importer import DuplicateRecord, RecordError, ingest_record


class Command(BaseCommand):
    help = (
        "Import applications from a JSON Lines file in the interchange format (requirements §5). "
        "Every record is validated and stored in its own transaction: a bad record is reported as "
        "'line N: <reason>' on stderr and the good ones are kept. A record whose number exists "
        "already is skipped, so running the same file again adds nothing. Blank lines are ignored. "
        "Exit status: 0 when every line was imported or skipped, 1 when some line was bad (the good "
        "ones are still kept), 2 when the file cannot be read. A record kept with a warning (its "
        "class contradicts the policy's zero-investment rules) is reported as 'line N: warning: "
        "<what>' on stderr and does not change the exit status."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="a .jsonl file, one application per line")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise CommandError(f"{path}: cannot read the file: {exc.strerror or exc}", returncode=2) from exc
        imported = skipped = bad = warned = 0
        with handle:
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                try:
                    record = json.loads(raw.decode("utf-8"))
                except UnicodeDecodeError:
                    bad += 1
                    self.stderr.write(f"line {number}: not UTF-8 text")
                    continue
                except json.JSONDecodeError as exc:
                    bad += 1
                    self.stderr.write(f"line {number}: not valid JSON: {exc.msg} (column {exc.colno})")
                    continue
                warnings: list[str] = []
                try:
                    ingest_record(record, warnings=warnings)
                except DuplicateRecord as exc:
                    skipped += 1
                    if options["verbosity"] > 1:
                        self.stdout.write(f"line {number}: skipped: {exc}")
                except RecordError as exc:
                    bad += 1
                    self.stderr.write(f"line {number}: {exc}")
                except Exception as exc:  # one broken record must not stop the others
                    bad += 1
                    self.stderr.write(f"line {number}: could not be imported ({type(exc).__name__}: {exc})")
                else:
                    imported += 1
                    for warning in warnings:
                        self.stderr.write(f"line {number}: warning: {warning}")
                    warned += bool(warnings)
        self.stdout.write(
            f"{path}: {imported} imported, {skipped} skipped (already present), {bad} rejected, {warned} with warnings"
        )
        if bad:
            raise SystemExit(1)
