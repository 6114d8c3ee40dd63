"""The figures a demo load produces, read back from the database: what must not change when the
demo's code moves or switches to other write paths (issue 10.2).

`python manage.py shell --no-imports -c "from tests.demo.figures import main; main()"` prints them as JSON
for the database in use (the demo loaded, the clock at the demo's "now").

expected_small.json (compared by test_demo_data.py on every run) and expected_full.json (the full
demo: too slow for the suite, compare by hand after changing the demo) were recorded from the
code before the demo moved to bandian/demo. For the full one, on an empty database:

    export DATABASE_URL=sqlite:////tmp/demo-figures.sqlite3
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py shell --no-imports -c "from tests.demo.figures import record; record('full')" \
        | diff - tests/demo/expected_full.json
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from django.db.models import Count

from bandian.accounts.models import User
from bandian.applications.compliance import compliance_report
from bandian.applications.contracts.models import Contract
from bandian.applications.models import Application, Document, Event
from bandian.grid.models import Feeder, LVCustomer, MVUser, Substation, Transformer
from bandian.outages.models import Interruption, OutageEvent
from bandian.permits.models import ApprovalCase, CaseLog, CaseMaterial, PermitItem
from bandian.reliability.selectors import year_report


def _counts(model: Any, *fields: str) -> dict[str, int]:
    rows = model.objects.values(*fields).annotate(n=Count("id")).order_by(*fields)
    return {"/".join(str(row[f]) for f in fields): row["n"] for row in rows}


def demo_figures() -> dict[str, Any]:
    compliance = compliance_report(2025)
    reliability = year_report(2024).as_dict()
    return {
        "rows": {
            "users": User.objects.count(),
            "applications": Application.objects.count(),
            "events": Event.objects.count(),
            "documents": Document.objects.count(),
            "substations": Substation.objects.count(),
            "feeders": Feeder.objects.count(),
            "transformers": Transformer.objects.count(),
            "mv_users": MVUser.objects.count(),
            "lv_customers": LVCustomer.objects.count(),
            "outage_events": OutageEvent.objects.count(),
            "interruptions": Interruption.objects.count(),
            "cases": ApprovalCase.objects.count(),
            "items": PermitItem.objects.count(),
            "materials": CaseMaterial.objects.count(),
            "case_logs": CaseLog.objects.count(),
        },
        "applications_by_status": _counts(Application, "status"),
        "applications_by_class_and_status": _counts(Application, "customer_class", "status"),
        "events_by_type": dict(sorted(Counter(Event.objects.values_list("type", flat=True)).items())),
        "compliance_2025": {
            "by_class": {code: s.as_dict() for code, s in compliance.by_class.items()},
            "applications": [
                [a.no, a.full_process_workdays, a.utility_workdays, a.approval_workdays, a.within_limit]
                for a in compliance.applications
            ],
        },
        "reliability_2024": {"by_area": reliability["by_area"], "total": reliability["total"]},
        "cases_by_status": _counts(ApprovalCase, "status"),
        "cases_by_path_and_status": _counts(ApprovalCase, "path", "status"),
        "items_by_status": _counts(PermitItem, "status"),
        "case_logs_by_action": _counts(CaseLog, "action"),
        "contracts_by_class_and_state": _counts(Contract, "application__customer_class", "state"),
    }


def record(size: str) -> None:
    """Load the demo of this size at the demo's "now" and print its figures."""
    import datetime as dt
    import io

    import time_machine
    from django.core.management import call_command

    from bandian.demo.applications import DEMO_NOW

    with time_machine.travel(DEMO_NOW + dt.timedelta(hours=9), tick=True):
        call_command("demo", "--size", size, stdout=io.StringIO())
        main()


def main() -> None:
    print(json.dumps(demo_figures(), ensure_ascii=False, indent=1, sort_keys=True))
