"""`manage.py signing_cert --demo`: create the demo CA and contract signing certificate
(PKCS#12 at settings.CONTRACT_SIGNING_P12, outside the repository); without --demo, show
which certificate signs contracts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bandian.applications.contracts.signing import SigningUnavailable, demo_certificate, get_signer


class Command(BaseCommand):
    help = (
        "Show the certificate that signs supply contracts; with --demo, first create a DEMO CA and signing "
        "certificate at CONTRACT_SIGNING_P12 when no file is there (idempotent). A real deployment sets "
        "CONTRACT_SIGNING_P12 to the utility's own PKCS#12 file instead (docs/operations.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--demo", action="store_true", help="create the demo certificate if there is none")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(settings.CONTRACT_SIGNING_P12)
        if options["demo"]:
            base = Path(settings.BASE_DIR).resolve()
            if path.resolve().is_relative_to(base):
                raise CommandError(f"{path} is inside the repository: keep keys out of it (set CONTRACT_SIGNING_P12)")
            if demo_certificate(path, settings.CONTRACT_SIGNING_P12_PASSWORD):
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Demo signing certificate written: {path} (CA: {path.with_name('demo-ca.pem')})"
                    )
                )
            else:
                self.stdout.write(f"Signing certificate already there: {path}")
        try:
            signer = get_signer()
        except SigningUnavailable as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Contracts are signed by: {signer.subject}")
