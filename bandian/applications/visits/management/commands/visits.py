"""`manage.py visits remind`: the day-before SMS of booked site visits."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bandian.applications.visits.services import visit_reminders_send
from bandian.applications.visits.tasks import send_visit_reminders


class Command(BaseCommand):
    help = (
        "Site visits (预约上门). 'remind' sends the day-before SMS to every applicant whose booked "
        "visit is tomorrow (Asia/Shanghai) or sooner and who has not had one; it is idempotent. "
        "Run it once a day, e.g. at 18:00 Asia/Shanghai from cron "
        "('0 18 * * * cd /srv/bandian && .venv/bin/python manage.py visits remind'); with "
        "'--enqueue' the background worker does it (task send_visit_reminders)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{remind}")
        remind = actions.add_parser("remind", help="send the day-before reminders (idempotent)")
        remind.add_argument("--enqueue", action="store_true", help="hand the work to the background worker")

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("enqueue"):
            result = send_visit_reminders.enqueue()
            self.stdout.write(f"reminder task enqueued ({result.id})")
            return
        self.stdout.write(f"{visit_reminders_send()} reminders sent")
