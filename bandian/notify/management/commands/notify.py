"""`manage.py notify retry|status`: send the messages whose next try is due; count a ref's."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bandian.notify.selectors import ref_summary
from bandian.notify.tasks import send_due


class Command(BaseCommand):
    help = (
        "The outbox. 'retry' sends every queued SMS and IM message whose next try is due (the "
        "failed ones wait base × 2^(tries − 1) seconds, NOTIFY_RETRY_BASE_SECONDS, up to "
        "NOTIFY_RETRY_MAX_ATTEMPTS tries, then are marked failed). With TASKS_BACKEND=database "
        "the worker does this by itself; in the default immediate mode run it every minute from "
        "cron or a systemd timer. 'status REF' prints how many messages of REF are in each state."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{retry,status}")
        actions.add_parser("retry", help="send the queued messages that are due")
        status = actions.add_parser("status", help="the messages of a ref, by state")
        status.add_argument("ref")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "status":
            counts = ref_summary(options["ref"])
            self.stdout.write(" ".join(f"{state} {n}" for state, n in counts.items()))
            return
        tried, sent = send_due()
        self.stdout.write(f"{tried} due, {sent} sent, {tried - sent} to retry later or failed")
