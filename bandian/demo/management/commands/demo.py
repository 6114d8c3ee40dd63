"""Load the demo data (run by `make run`) and print the demo logins."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bandian.demo import applications as demo


def _width(text: str) -> int:
    """Columns on a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _size(value: str) -> int:
    if value in demo.SIZES:
        return demo.SIZES[value]
    if value.isdigit() and int(value) > 0:
        return int(value)
    raise ValueError(value)


class Command(BaseCommand):
    help = (
        "Load the demo data: staff for each of the 16 counties, a login for every role and about 3,000 "
        "applications over 2021-2026 (the same every time), the demo grid and approval cases, then print "
        "the logins. Each part loads once: a part that is there already is skipped, so running it again "
        "completes a part that did not load (e.g. the approval cases when the CJK font was missing). When "
        "the database holds applications that are not demo data, nothing is added."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--size",
            default="full",
            help="full (about 3,000 applications, the default), small (about 150) or a number",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            size = _size(options["size"])
        except ValueError as exc:
            raise CommandError(f"--size: {options['size']!r} is not full, small or a positive number") from exc
        try:
            result = demo.load_demo(size=size, progress=lambda line: self.stdout.write(f"  {line}"))
        except RuntimeError as exc:
            raise CommandError(f"demo: {exc}") from exc
        if result.loaded:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo data loaded: {result.users} users, {result.applications} applications "
                    f"in {result.seconds:.1f} s."
                )
            )
        else:
            self.stdout.write(f"Demo data not loaded: {result.reason}.")
        if result.loaded or demo.is_loaded():
            self._load_grid(size)
            missing = self._load_permits()
            self._load_visits()
            self._load_outages()
            self._load_supervision()
            self._load_payments()
            self._load_contracts()
            self._load_ratings()
            self._print_logins()
            if missing:
                raise CommandError(
                    "demo: the approval cases were not loaded (the CJK font is missing, see above); "
                    "the rest is loaded: install the font, then run `manage.py demo` again to load them"
                )

    def _load_grid(self, size: int) -> None:
        """The reliability demo: grid, interruption history and the grid operator's login."""
        from bandian.demo.reliability import load_grid_demo

        grid = load_grid_demo(small=size < demo.SIZES["full"], progress=lambda line: self.stdout.write(f"  {line}"))
        if grid.loaded:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo grid loaded: {grid.feeders} feeders, {grid.users} MV users, {grid.rows} interruption "
                    f"rows, {grid.entered_events} entered outage events in {grid.seconds:.1f} s."
                )
            )
        else:
            self.stdout.write(f"Demo grid not loaded: {grid.reason}.")

    def _load_permits(self) -> str:
        """The parallel approval demo: department logins and approval cases on demo applications.
        Returns what kept it from loading (the CJK font missing), or "" when nothing did."""
        from bandian.core.pdf import FontMissing
        from bandian.demo.permits import load_permits_demo

        try:
            permits = load_permits_demo()
        except FontMissing as exc:
            self.stderr.write(f"Demo approval cases not loaded: {exc}.")
            return str(exc)
        if permits.loaded:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo approval cases loaded: {permits.cases} cases, {permits.items} permit items "
                    f"in {permits.seconds:.1f} s."
                )
            )
        else:
            self.stdout.write(f"Demo approval cases not loaded: {permits.reason}.")
        return ""

    def _load_visits(self) -> None:
        """Visit booking (issue 11): the Kaili customer manager's slots and bookings at each state."""
        from bandian.demo.visits import load_visits_demo

        visits = load_visits_demo()
        if visits.loaded:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo visits loaded: {visits.slots} slots, {visits.bookings} bookings in {visits.seconds:.1f} s."
                )
            )
        else:
            self.stdout.write(f"Demo visit slots not loaded: {visits.reason}.")

    def _load_outages(self) -> None:
        """Outage notices: planned outages, a fault under way, deliveries, unauthorised rationing."""
        from bandian.demo.outages import load_outages_demo

        result = load_outages_demo(progress=lambda line: self.stdout.write(f"  {line}"))
        if result.loaded:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo outage notices loaded: {result.plans} planned outages, {result.notices} notices, "
                    f"{result.messages} SMS delivered or failed in {result.seconds:.1f} s."
                )
            )
        else:
            self.stdout.write(f"Demo outage notices not loaded: {result.reason}.")

    def _load_supervision(self) -> None:
        """The supervision loop: ledger, annual plans, complaints, contractors, rectification list."""
        from bandian.demo.supervision import load_supervision_demo

        result = load_supervision_demo(progress=lambda line: self.stdout.write(f"  {line}"))
        if result.loaded:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo supervision loaded: {result.ledger_entries} ledger updates, {result.complaints} complaints, "
                    f"{result.items} rectification items in {result.seconds:.1f} s."
                )
            )
        else:
            self.stdout.write(f"Demo supervision not loaded: {result.reason}.")

    def _load_payments(self) -> None:
        """The payment orders demo: the high-reliability fee of dual-supply applications."""
        from bandian.demo.payments import load_payments_demo

        result = load_payments_demo()
        if result.loaded:
            self.stdout.write(
                self.style.SUCCESS(f"Demo payment orders loaded: {result.orders} orders in {result.seconds:.1f} s.")
            )
        else:
            self.stdout.write(f"Demo payment orders not loaded: {result.reason}.")

    def _load_contracts(self) -> None:
        """The supply contracts demo: drawn, signed and sealed contracts (issue 11)."""
        from bandian.applications.contracts.signing import SigningUnavailable
        from bandian.core.pdf import FontMissing
        from bandian.demo.contracts import load_contracts_demo

        try:
            result = load_contracts_demo(progress=lambda line: self.stdout.write(f"  {line}"))
        except (SigningUnavailable, FontMissing) as exc:
            self.stderr.write(f"Demo contracts not loaded: {exc}.")
            return
        if result.loaded:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo contracts loaded: {result.contracts} contracts, {result.sealed} sealed, in "
                    f"{result.seconds:.1f} s (drawn and signed in {result.processes} worker processes while "
                    f"the main one stored them through the services: {result.write_seconds:.1f} s of it)."
                )
            )
        else:
            self.stdout.write(f"Demo contracts not loaded: {result.reason}.")

    def _load_ratings(self) -> None:
        """The service rating (issue 11): ratings over the levels, 差评 with their follow-ups."""
        from bandian.demo.ratings import load_ratings_demo

        ratings = load_ratings_demo()
        if ratings.loaded:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo ratings loaded: {ratings.ratings} ratings, {ratings.follow_ups} 差评, "
                    f"{ratings.invitations} invitations in {ratings.seconds:.1f} s."
                )
            )
        else:
            self.stdout.write(f"Demo ratings not loaded: {ratings.reason}.")

    def _print_logins(self) -> None:
        rows = [(login.role, login.username, demo.PASSWORD, login.county, login.note) for login in demo.fixed_logins()]
        header = ("role", "username", "password", "county", "")
        widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(4)]
        self.stdout.write("")
        self.stdout.write("Demo logins (sign in at /accounts/login/):")
        for row in [header, *rows]:
            self.stdout.write("  " + "  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4])
        self.stdout.write(
            "  Every county has the same staff: <county>-cm1, -cm2 (customer managers), -pm1, -pm2 "
            "(project managers), -counter; counties: " + ", ".join(sorted(demo.COUNTY_SLUGS.values())) + "."
        )
