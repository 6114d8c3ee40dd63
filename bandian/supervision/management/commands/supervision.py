"""The supervision loop's commands: `scan` (daily) and `verify` (the rectification logs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bandian.core.errors import ServiceError
from bandian.supervision.rectifications import verify
from bandian.supervision.sources import scan


class Command(BaseCommand):
    help = (
        "scan: put on the rectification list every problem the system finds (applications past "
        "their limit, classifications the policy contradicts, a late annual plan, …) and send the "
        "annual plan's reminders; run it daily (cron, or the worker). "
        "verify: recompute the hash chain of every rectification item's log (the sibling of "
        "`timeline verify`); exits 1 when a log was changed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["scan", "verify", "import-complaints", "import-contractors"])
        parser.add_argument("file", nargs="?", help="import-…: the CSV file (docs/supervision.md)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"].startswith("import-"):
            self._import(options["action"], options["file"])
            return
        if options["action"] == "scan":
            opened = scan()
            reminders = opened.pop("reminders", 0)
            total = sum(opened.values())
            details = ", ".join(f"{source} {n}" for source, n in sorted(opened.items())) or "none"
            self.stdout.write(f"opened {total} items ({details}); annual plan reminders sent: {reminders}")
            return
        problems = verify()
        for p in problems:
            self.stdout.write(f"{p.item}{'' if p.seq is None else f' #{p.seq}'}: {p.problem}")
        if problems:
            raise CommandError(f"{len(problems)} problems in the rectification logs")
        self.stdout.write("rectification logs: intact")

    def _import(self, action: str, file: str | None) -> None:
        from bandian.supervision import complaints, contractors

        if not file:
            raise CommandError(f"{action} needs the CSV file")
        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from exc
        try:
            report = (complaints.import_csv if action == "import-complaints" else contractors.import_csv)(
                data, actor=None
            )
        except (ServiceError, UnicodeDecodeError) as exc:
            raise CommandError(str(exc)) from exc
        for line, why in report.errors:
            self.stdout.write(f"line {line}: {why}")
        for ticket in report.duplicates:
            self.stdout.write(f"already recorded: {ticket}")
        self.stdout.write(f"added {report.added}, duplicates {len(report.duplicates)}, bad lines {len(report.errors)}")
        if report.errors:
            raise CommandError(f"{len(report.errors)} bad lines")
