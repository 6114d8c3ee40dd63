"""Issue an API bearer token for a user (a mobile terminal, another system)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bandian.accounts.auth import issue_token
from bandian.accounts.models import User


class Command(BaseCommand):
    help = "Print a new API token for USERNAME. Only its hash is stored: the token is shown this once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--label", default="", help="what the token is for, e.g. the terminal's id")

    def handle(self, *args: Any, username: str, label: str, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user named {username!r}")
        if not user.is_active:
            raise CommandError(f"user {username!r} is not active")
        token = issue_token(user, label=label)
        self.stderr.write(f"Token for {username} ({user.get_role_display()}); it is shown only this once:")
        self.stdout.write(token)
