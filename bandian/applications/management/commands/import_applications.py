"""Load application records in the §5 interchange format (JSON Lines)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from bandian.applications.importer import BulkImport


def default_workers() -> int:
    """One worker per CPU the process may use, none on a single one (then it checks itself)."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return 0 if cpus < 2 else min(cpus, 8)


class Command(BaseCommand):
    help = (
        "Import applications from a JSON Lines file in the interchange format (requirements §5). "
        "Every record is validated; the good ones are written in batches (each batch in one "
        "transaction) and a bad record is reported as 'line N: <reason>' on stderr while the good "
        "ones are kept. A record whose number exists already is skipped, so running the same file "
        "again adds nothing. Blank lines are ignored. The file is read as a stream, with a progress "
        "bar on a terminal. Exit status: 0 when every line was imported or skipped, 1 when some line "
        "was bad (the good ones are still kept), 2 when the file cannot be read. A record kept with a "
        "warning (its class contradicts the policy's zero-investment rules) is reported as 'line N: "
        "warning: <what>' on stderr and does not change the exit status."
    )

    # The system checks load every URL pattern and view (most of a second) and say nothing about
    # the import: `manage.py check` runs them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="a .jsonl file, one application per line")
        parser.add_argument("--batch", type=int, default=2000, help="records written per transaction (default 2000)")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="worker processes that check the records while this one writes (default: one per CPU, "
            "none on a single CPU; 0: check them here)",
        )
        parser.add_argument(
            "--progress",
            choices=["auto", "always", "never"],
            default="auto",
            help="the progress bar on stderr: on a terminal only (auto), always, or never",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            handle = path.open("rb")
            size = path.stat().st_size
        except OSError as exc:
            raise CommandError(f"{path}: cannot read the file: {exc.strerror or exc}", returncode=2) from exc
        if options["batch"] < 1:
            raise CommandError("--batch must be at least 1")
        show = {"always": True, "never": False}.get(options["progress"], sys.stderr.isatty())
        workers = options["workers"]
        if workers is None:
            workers = default_workers()
        if workers < 0:
            raise CommandError("--workers must be 0 or more")
        run = BulkImport(batch_size=options["batch"], workers=workers)
        with (
            handle,
            tqdm(total=size, unit="B", unit_scale=True, desc=path.name, disable=not show, file=sys.stderr) as bar,
        ):
            try:
                for number, raw in enumerate(handle, start=1):
                    bar.update(len(raw))
                    run.add_line(number, raw)
                run.finish()
            finally:
                run.close()
        problems = [(p.line, p.reason) for p in run.problems]
        problems += [(w.line, f"warning: {w.reason}") for w in run.warnings]
        for line, reason in sorted(problems, key=lambda p: p[0]):
            self.stderr.write(f"line {line}: {reason}")
        if options["verbosity"] > 1:
            for skipped in run.skipped_lines:
                self.stdout.write(f"line {skipped.line}: skipped: {skipped.reason}")
        bad = len(run.problems)
        warned = len({w.line for w in run.warnings})
        self.stdout.write(
            f"{path}: {run.imported} imported, {run.skipped} skipped (already present), {bad} rejected, "
            f"{warned} with warnings"
        )
        if bad:
            raise SystemExit(1)
