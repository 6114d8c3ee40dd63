"""Revoke a user's API tokens (a lost terminal, a colleague who left)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bandian.accounts.models import ApiToken, User


class Command(BaseCommand):
    help = "Revoke USERNAME's API tokens: all of them, or those with --label. Revoked tokens get 401."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--label", default=None, help="only the tokens with this label")

    def handle(self, *args: Any, username: str, label: str | None, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user named {username!r}")
        tokens = ApiToken.objects.filter(user=user, revoked=False)
        if label is not None:
            tokens = tokens.filter(label=label)
        count = tokens.update(revoked=True)
        if count == 0:
            raise CommandError(f"{username!r} has no live token" + (f" labelled {label!r}" if label else ""))
        self.stdout.write(f"revoked {count} token(s) of {username}")
