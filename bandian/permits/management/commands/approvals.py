"""Print the supervision figures of the parallel approval of external line works for a year."""

from __future__ import annotations

import csv
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bandian.permits.report import approvals_report, report_dict
from bandian.permits.stats import FIGURES
from bandian.policy.loader import active_policy
from bandian.workdays.calendar import CalendarYearMissing


class Command(BaseCommand):
    help = (
        "Figures of the parallel approval of external line works for YEAR (Asia/Shanghai), per "
        "department, per item type and in total: items, decided, refused, mean and maximum working "
        "days from intake to decision, the share within the case's limit, items pending and pending "
        "past due, restorations open and overdue. A decided item belongs to the year of its decision, "
        "an undecided one to the year of its intake. --format json prints one document; --format csv "
        "one row per scope (department, item_type, total)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--format", choices=["json", "csv"], default="json")

    def handle(self, *args: Any, **options: Any) -> None:
        year: int = options["year"]
        if not 2000 <= year <= 2100:
            raise CommandError(f"--year {year}: not a year this report can cover")
        policy = active_policy()
        try:
            stats, names = approvals_report(year, policy=policy)
        except CalendarYearMissing as exc:
            raise CommandError(str(exc)) from exc
        data = report_dict(stats, names, policy)
        if options["format"] == "json":
            self.stdout.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
            return
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(["scope", "key", "name", *FIGURES])
        scopes = [("department", data["by_department"]), ("item_type", data["by_item_type"])]
        for scope, figures in scopes:
            for key, row in figures.items():
                writer.writerow([scope, key, row["name"], *_cells(row)])
        writer.writerow(["total", "", "", *_cells(data["total"])])


def _cells(row: dict[str, Any]) -> list[Any]:
    return ["" if row[f] is None else row[f] for f in FIGURES]
