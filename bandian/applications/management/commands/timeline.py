"""`manage.py timeline verify|anchor`: check the hash chains, record the daily anchor."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bandian.applications.integrity import record_anchor, verify
from bandian.applications.models import Application
from bandian.applications.tasks import record_daily_anchor

SHOWN_IN_ERROR = 20


class Command(BaseCommand):
    help = (
        "The tamper-evident timeline. "
        "'verify' recomputes every application's SHA-256 hash chain and its recorded head, and the "
        "latest daily anchor; it prints one line per application that does not verify "
        "('<number>: <what is wrong>') and exits 1, or prints a one-line summary and exits 0. "
        "'--application NO' checks one application. "
        "'anchor' records today's anchor (Asia/Shanghai day): one SHA-256 over every application's "
        "chain head, with the counts, shown on the public page /public/anchors/. It is idempotent "
        "(a second run the same day changes nothing). Run it once a day shortly after midnight "
        "Asia/Shanghai time, from cron ('CRON_TZ=Asia/Shanghai' and "
        "'15 0 * * * cd /srv/bandian && .venv/bin/python manage.py timeline anchor') or a systemd "
        "timer (OnCalendar=*-*-* 00:15 Asia/Shanghai); with '--enqueue' the background worker "
        "(manage.py db_worker) does the work, through the task "
        "bandian.applications.tasks.record_daily_anchor (see docs/operations.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{verify,anchor}")
        check = actions.add_parser("verify", help="check every hash chain; exit 1 naming those that fail")
        check.add_argument("--application", metavar="NO", help="check only this application (its number)")
        anchor = actions.add_parser("anchor", help="record today's digest over all chain heads (once a day)")
        anchor.add_argument(
            "--enqueue",
            action="store_true",
            help="hand the work to the background worker (the task record_daily_anchor) instead",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "anchor":
            if options.get("enqueue"):
                result = record_daily_anchor.enqueue()
                self.stdout.write(f"anchor task enqueued ({result.id})")
            else:
                self._anchor()
        else:
            self._verify(options.get("application"))

    def _verify(self, application_no: str | None) -> None:
        started = time.monotonic()
        try:
            report = verify(application_no=application_no)
        except Application.DoesNotExist as exc:
            raise CommandError(f"no application numbered {application_no!r}", returncode=2) from exc
        seconds = time.monotonic() - started
        for subject, problem in report.problems:
            self.stdout.write(f"{subject}: {problem}")
        if report.problems:
            subjects = [subject for subject, _ in report.problems]
            named = ", ".join(subjects[:SHOWN_IN_ERROR]) + (" …" if len(subjects) > SHOWN_IN_ERROR else "")
            raise CommandError(
                f"{len(subjects)} of {report.applications} chains do not verify: {named}",
                returncode=1,
            )
        anchor = (
            f"; anchor of {report.anchor.day.isoformat()} matches" if report.anchor is not None else "; no anchor yet"
        )
        if application_no is not None:
            anchor = ""
        self.stdout.write(
            f"OK: {report.applications} applications, {report.events} events verified in {seconds:.1f} s{anchor}"
        )

    def _anchor(self) -> None:
        anchor, created = record_anchor()
        state = "recorded" if created else "already recorded"
        self.stdout.write(
            f"anchor of {anchor.day.isoformat()} {state}: {anchor.digest} "
            f"({anchor.applications} applications, {anchor.events} events)"
        )
