"""`manage.py ratings invite`: the SMS inviting applicants to rate, and the one reminder."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bandian.applications.ratings.services import rating_invitations_send
from bandian.applications.ratings.tasks import send_rating_invitations


class Command(BaseCommand):
    help = (
        "Service rating (好差评). 'invite' sends the SMS with the signed rating link to every applicant "
        "whose application ended (energised, withdrawn, cancelled) within the policy's ratings.link_days "
        "and who was not invited, and the one reminder ratings.reminder_days after the invitation to "
        "those who have not rated; nothing more. Idempotent: run it hourly from cron "
        "('0 * * * * cd /srv/bandian && .venv/bin/python manage.py ratings invite'); with '--enqueue' "
        "the background worker does it (task send_rating_invitations)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{invite}")
        invite = actions.add_parser("invite", help="send the invitations and reminders due (idempotent)")
        invite.add_argument("--enqueue", action="store_true", help="hand the work to the background worker")

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("enqueue"):
            result = send_rating_invitations.enqueue()
            self.stdout.write(f"rating invitation task enqueued ({result.id})")
            return
        invited, reminded = rating_invitations_send()
        self.stdout.write(f"{invited} invitations, {reminded} reminders sent")
