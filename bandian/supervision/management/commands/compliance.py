"""Print the §5 compliance report for the applications energised in a year."""

from __future__ import annotations

import csv
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bandian.applications.compliance import CLASS_FIELDS, FIELDS, compliance_report
from bandian.policy.schema import PolicyGap
from bandian.workdays.calendar import CalendarYearMissing


class Command(BaseCommand):
    help = (
        "The compliance report (requirements §5) for the applications energised in YEAR "
        "(Asia/Shanghai), native and imported alike. --format json prints the §5 document; "
        "--format csv prints one row per application with the same fields (a header line first), "
        "or with --by-class one row per customer class. Working days are rounded to 3 decimals; "
        "p90 is the nearest-rank 90th percentile."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--by-class", action="store_true", help="csv: one row per class instead")

    def handle(self, *args: Any, **options: Any) -> None:
        year: int = options["year"]
        if not 2000 <= year <= 2100:
            raise CommandError(f"--year {year}: not a year this report can cover")
        try:
            report = compliance_report(year)
        except (CalendarYearMissing, PolicyGap) as exc:
            raise CommandError(str(exc)) from exc
        if options["format"] == "json":
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, separators=(",", ":")))
            return
        writer = csv.writer(self.stdout, lineterminator="\n")
        if options["by_class"]:
            writer.writerow(["customer_class", *CLASS_FIELDS])
            for code, summary in report.by_class.items():
                row = summary.as_dict()
                writer.writerow([code, *("" if row[f] is None else row[f] for f in CLASS_FIELDS)])
            return
        writer.writerow(FIELDS)
        for app in report.applications:
            writer.writerow([_csv(value) for value in app.as_dict().values()])


def _csv(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value
