"""The permits demo: department logins, cases of every path and state, quick and loaded once."""

from __future__ import annotations

import io
import time
from collections import Counter
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings

from bandian.applications.models import Event
from bandian.demo import applications as app_demo
from bandian.demo.permits import DEPARTMENT_LOGINS, load_permits_demo
from bandian.permits.models import ApprovalCase, CaseStatus, ItemStatus, PermitItem
from bandian.permits.report import approvals_report
from bandian.workdays.selectors import forget_calendar
from tests.demo.conftest import at_demo_now

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker) -> Iterator[dict]:
    """The small demo (applications, then the permits), loaded once for this module, rolled back after."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        forget_calendar()
        with at_demo_now():
            app_demo.load_demo(size=app_demo.SIZES["small"])
            started = time.monotonic()
            result = load_permits_demo()
            seconds = time.monotonic() - started
            out = io.StringIO()
            call_command("demo", "--size", "small", stdout=out)
            yield {"result": result, "seconds": seconds, "out": out.getvalue()}
        transaction.set_rollback(True)


def test_it_loads_cases_of_every_path_and_state_quickly(loaded):
    result = loaded["result"]
    assert result.loaded
    assert loaded["seconds"] < 10
    assert 25 <= ApprovalCase.objects.count() <= 60
    assert set(ApprovalCase.objects.values_list("path", flat=True)) == {"parallel", "commitment", "filing"}
    states = Counter(ApprovalCase.objects.values_list("status", flat=True))
    assert {CaseStatus.OPEN, CaseStatus.APPROVED, CaseStatus.REFUSED, CaseStatus.RESTORING, CaseStatus.CLOSED} <= set(
        states
    )
    assert ApprovalCase.objects.exclude(document="").count() >= 1
    item_states = set(PermitItem.objects.values_list("status", flat=True))
    assert {ItemStatus.PENDING, ItemStatus.SUPPLEMENT_REQUESTED, ItemStatus.REFUSED, ItemStatus.FILED} <= item_states


def test_historic_parallel_cases_keep_to_their_applications_approval_interval(loaded):
    cases = ApprovalCase.objects.filter(path="parallel", status=CaseStatus.APPROVED).select_related("application")
    assert cases
    for case in cases:
        events = dict(
            Event.objects.filter(
                application=case.application, type__in=["approval_started", "approval_completed"]
            ).values_list("type", "occurred_at")
        )
        assert events["approval_started"] <= case.opened_at
        assert case.decided_at == events["approval_completed"]
        assert max(case.items.values_list("decided_at", flat=True)) == case.decided_at


def test_open_cases_have_started_their_applications_approval_clock(loaded):
    cases = ApprovalCase.objects.filter(path="parallel", status=CaseStatus.OPEN).select_related("application")
    assert cases
    for case in cases:
        app = case.application
        started = app.events.get(type="approval_started")
        assert started.occurred_at == case.opened_at and started.note == case.no
        # Appended after the timeline the case found (later demo parts, payments say, may follow it).
        assert all(e.occurred_at <= started.occurred_at for e in app.events.filter(seq__lt=started.seq))


def test_there_are_overdue_items_and_overdue_restorations_at_the_demo_now(loaded):
    with at_demo_now():
        stats, _names = approvals_report(2026)
    assert stats.total["pending_overdue"] >= 1
    assert stats.total["restorations_overdue"] >= 1
    assert stats.total["decided"] >= 10
    assert 0 < stats.total["within_limit_share"] <= 1


def test_the_department_logins_sign_in_and_see_their_queue(loaded):
    out = loaded["out"]
    assert "Demo approval cases not loaded: approval cases exist already." in out  # the second run skips
    for username in DEPARTMENT_LOGINS:
        assert username in out
        client = Client()
        assert client.login(username=username, password=app_demo.PASSWORD), username
    client = Client()
    client.login(username="dept-transport", password=app_demo.PASSWORD)
    assert client.get("/permits/queue/").status_code == 200
