"""The key-task ledger: the policy's ten tasks and their units, a unit's updates, the supervisors'
status, staleness; each unit sees and updates only its own rows; outsiders are refused."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from bandian.core.errors import ServiceError
from bandian.core.time import SHANGHAI
from bandian.supervision import ledger
from bandian.supervision.models import LedgerEntry
from tests.conftest import client_for, pdf_upload

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 5, 10, 10, tzinfo=SHANGHAI)


def test_the_ledger_has_the_plans_ten_tasks_with_their_units():
    lines = ledger.ledger(2026, now=NOW)
    assert [line.task.number for line in lines] == list(range(1, 11))
    assert [u.unit for u in lines[1].units] == [
        "housing", "natural_resources", "transport", "government_services", "utility", "counties"
    ]  # fmt: skip
    assert lines[1].task.zh == "压减电力接入工程审批时间"


def test_a_unit_records_its_progress_and_goes_stale_without_updates(housing, supervisor):
    ledger.ledger_update(
        year=2026,
        task=2,
        unit="housing",
        measures="并联审批",
        progress="已上线",
        evidence=pdf_upload(),
        actor=housing,
        at=NOW,
    )
    line = ledger.ledger(2026, now=NOW + dt.timedelta(days=30))[1]
    housing_line = next(u for u in line.units if u.unit == "housing")
    assert housing_line.updates == 1 and not housing_line.stale and housing_line.last.evidence_sha256
    later = ledger.ledger(2026, now=NOW + dt.timedelta(days=91))[1]
    assert next(u for u in later.units if u.unit == "housing").stale
    # Marked done by a supervisor: no longer stale.
    ledger.task_review(
        year=2026, task=2, status="done", comment="全部完成", actor=supervisor, at=NOW + dt.timedelta(days=92)
    )
    done = ledger.ledger(2026, now=NOW + dt.timedelta(days=93))[1]
    assert done.review.status == "done" and not done.stale


def test_only_the_units_own_logins_update_and_only_supervisors_review(housing, transport, cm, supervisor, alice):
    with pytest.raises(ServiceError):
        ledger.ledger_update(year=2026, task=2, unit="housing", measures="m", progress="p", actor=transport, at=NOW)
    with pytest.raises(ServiceError):
        ledger.ledger_update(year=2026, task=1, unit="housing", measures="m", progress="p", actor=housing, at=NOW)
    with pytest.raises(ServiceError):
        ledger.ledger_update(
            year=2026, task=2, unit="housing", measures="m", progress="p", actor=housing, at=NOW,
            started_on=dt.date(2026, 5, 1), done_on=dt.date(2026, 4, 1),
        )  # fmt: skip
    with pytest.raises(ServiceError):
        ledger.task_review(year=2026, task=2, status="done", comment="", actor=housing, at=NOW)
    with pytest.raises(ServiceError):
        ledger.task_review(year=2026, task=2, status="perfect", comment="", actor=supervisor, at=NOW)
    assert LedgerEntry.objects.count() == 0
    # The utility's staff act for the utility.
    ledger.ledger_update(year=2026, task=1, unit="utility", measures="双经理", progress="全面推行", actor=cm, at=NOW)


def test_the_pages_show_each_unit_its_own_rows(housing, supervisor, alice):
    with time_machine.travel(NOW, tick=False):
        page = client_for(housing).get("/supervision/ledger/")
        assert page.status_code == 200
        html = page.content.decode()
        assert 'id="task-2-housing"' in html and 'id="task-6-housing"' in html
        assert 'id="task-2-transport"' not in html and 'id="task-1-' not in html
        assert client_for(housing).get("/supervision/ledger/2026/1/").status_code == 404
        ok = client_for(housing).post(
            "/supervision/ledger/2026/2/",
            {
                "kind": "update",
                "unit": "housing",
                "measures": "统一收件",
                "progress": "完成 80%",
                "evidence": pdf_upload(),
            },
        )
        assert ok.status_code == 302
        bad = client_for(housing).post(
            "/supervision/ledger/2026/2/", {"kind": "update", "unit": "transport", "measures": "x", "progress": "y"}
        )
        assert bad.status_code == 400
        assert (
            client_for(housing).post("/supervision/ledger/2026/2/", {"kind": "review", "status": "done"}).status_code
            == 403
        )
        review = client_for(supervisor).post(
            "/supervision/ledger/2026/2/", {"kind": "review", "status": "on_track", "comment": "进展正常"}
        )
        assert review.status_code == 302
        full = client_for(supervisor).get("/supervision/ledger/").content.decode()
        assert 'id="task-2-transport"' in full and "按计划推进" in full
        assert client_for(supervisor).get("/supervision/ledger/?year=1999").status_code == 400
        assert client_for(alice).get("/supervision/ledger/").status_code == 403
        assert client_for(alice).get("/supervision/ledger/2026/2/").status_code == 403
        assert client_for(None).get("/supervision/ledger/").status_code == 302
    assert LedgerEntry.objects.count() == 1
