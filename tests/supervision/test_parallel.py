"""The report computed by several processes is the report computed by one (PostgreSQL only)."""

import pytest
from django.db import connection

from bandian.applications.importer import ingest_record
from bandian.supervision import compliance
from tests.supervision.conftest import residential, sample


@pytest.mark.django_db(transaction=True)
def test_forked_workers_give_the_same_report(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the report forks workers on PostgreSQL only")
    ingest_record(sample())
    for i in range(7):
        ingest_record(
            residential(f"R-{i}", "2026-03-02T09:00:00", "2026-03-02T10:00:00", f"2026-03-{10 + i:02d}T09:00:00")
        )
    serial = compliance.compliance_report(2026).as_dict()
    monkeypatch.setattr(compliance, "PARALLEL_FROM", 2)
    calls = []
    real = compliance._parallel
    monkeypatch.setattr(compliance, "_parallel", lambda shared, jobs: calls.append(jobs) or real(shared, jobs))
    parallel = compliance.compliance_report(2026, jobs=2).as_dict()
    assert calls == [2]
    assert parallel == serial
    assert len(parallel["applications"]) == 8
