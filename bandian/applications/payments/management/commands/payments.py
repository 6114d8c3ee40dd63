"""`manage.py payments reconcile FILE.csv`: the orders whose state or amount differs from the
provider's statement (docs/operations.md gives the columns). Exit 0 when none differ, 1 when
some do, 2 when the file cannot be read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bandian.applications.payments.reconcile import StatementError, differences, read_statement


class Command(BaseCommand):
    help = (
        "Payment orders: 'reconcile FILE.csv' lists the orders whose state or amount differs from a "
        "provider's statement."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{reconcile}")
        reconcile = actions.add_parser("reconcile", help="compare with a provider's statement; exit 1 if any differ")
        reconcile.add_argument("file", type=Path, help="the statement, CSV: order,transaction,status,amount,time")
        reconcile.add_argument(
            "--provider", default=None, help="the provider the statement is from (default: PAYMENT_PROVIDER)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        provider = options["provider"] or settings.PAYMENT_PROVIDER
        path: Path = options["file"]
        try:
            with path.open(encoding="utf-8-sig", newline="") as f:
                statement = read_statement(f)
        except OSError as exc:
            raise CommandError(f"{path}: cannot be read: {exc.strerror or exc}", returncode=2) from exc
        except (StatementError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: {exc}", returncode=2) from exc
        found = differences(statement, provider=provider)
        for d in found:
            self.stdout.write(f"{d.order}\tours: {d.ours}\tprovider: {d.theirs}\t{d.why}")
        summary = f"{len(statement)} statement lines, {len(found)} orders differ"
        if found:
            raise CommandError(summary, returncode=1)
        self.stdout.write(self.style.SUCCESS(f"{summary}: the orders agree with the statement of {provider}"))
