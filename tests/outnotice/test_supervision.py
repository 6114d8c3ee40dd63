"""The supervisors' outage-notice figures: per county and month, planned against actual, the
rationing flags; the page and the API, and outsiders refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from bandian.accounts.models import Role
from bandian.notify.models import Message
from bandian.notify.services import receipt_record
from bandian.notify.tasks import send_messages
from bandian.outages import faults, planned
from bandian.outages.figures import outage_figures
from tests.api.conftest import bearer
from tests.conftest import client_for, make_user
from tests.outnotice.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(grid, operator):
    """June 2026 in Kaili: a plan announced 8 days ahead that took place and was restored; one
    postponed inside its notice period; a fault restored after 3 hours; unauthorised rationing."""
    plan, _ = planned.planned_create(
        feeder=grid.feeder, transformers=[grid.transformers["T1"]], start=at(8), end=at(8, 4), works="检修",
        area="甲", actor=operator, at=at(0),
    )  # fmt: skip
    event = planned.planned_begin(plan=plan, actor=operator, at=at(8))
    faults.progress_add(event=event, stage="restored", actor=operator, at=at(8, 5))
    late, _ = planned.planned_create(
        feeder=grid.feeder, transformers=[grid.transformers["T2"]], start=at(10), end=at(10, 2), works="检修",
        area="乙", actor=operator, at=at(0),
    )  # fmt: skip
    planned.planned_change(plan=late, start=at(11), end=at(11, 2), reason="天气", actor=operator, at=at(8))
    fault, _ = faults.fault_report(feeder=grid.feeder, cause="internal", start=at(1), actor=operator, at=at(1))
    faults.progress_add(event=fault, stage="restored", actor=operator, at=at(1, 3))
    faults.fault_report(
        feeder=grid.feeder, transformers=[grid.transformers["C1"]], cause="rationing", start=at(2), actor=operator,
        at=at(2),
    )  # fmt: skip
    sms = list(Message.objects.filter(channel="sms").order_by("pk"))
    send_messages([m.pk for m in sms])
    for i, m in enumerate(Message.objects.filter(channel="sms").order_by("pk")):
        if i % 4 == 0:  # one in four never arrives
            for _try in range(5):
                receipt_record(provider_id=m.provider_id, delivered=False, answer="UNDELIV")
        else:
            receipt_record(provider_id=m.provider_id, delivered=True, at=m.sent_at + dt.timedelta(minutes=10 * (i % 3)))
    return plan, late, fault


def test_the_figures_per_county_and_month(history):
    _plan, _late, _fault = history
    figures = outage_figures(2026)
    june = next(m for m in figures.months if (m["county"], m["month"]) == ("522601", 6))
    assert june["planned"] == 2
    assert june["notified_in_time_share"] == 0.5  # the postponed one was told its start 3 days ahead
    assert june["mean_lead_hours"] == (8 * 24 + 3 * 24) / 2
    assert june["faults"] == 2 and june["faults_restored"] == 1 and june["mean_restoration_hours"] == 3
    assert june["unauthorised_rationing"] == 1
    sms = Message.objects.filter(channel="sms", kind__startswith="outage.")
    assert june["messages"] == sms.count()
    assert june["failed"] == sms.filter(status="failed").count() > 0
    assert june["delivered_within_hour"] == sms.filter(status="delivered").count() > 0


def test_planned_against_actual(history):
    plan, late, _fault = history
    lines = {p.reference: p for p in outage_figures(2026).plans}
    done = lines[plan.reference]
    assert (done.planned_hours, done.actual_hours, done.lead_hours, done.notified_in_time) == (4, 5, 192, True)
    moved = lines[late.reference]
    assert moved.actual_start is None and moved.changes_inside_notice_period == 1 and not moved.notified_in_time


def test_the_page_and_the_api_for_supervisors(history, operator):
    plan, late, _fault = history
    supervisor = make_user("supervisor", Role.SUPERVISOR)
    page = client_for(supervisor).get("/supervision/outages/", {"year": "2026"})
    assert page.status_code == 200
    html = page.content.decode()
    assert plan.reference in html and late.reference in html and "无有序用电方案或指令" in html
    data = bearer(supervisor).get("/api/v1/supervision/outages", {"year": 2026}).json()
    assert data["year"] == 2026 and {p["reference"] for p in data["plans"]} == {plan.reference, late.reference}
    assert data["unauthorised_rationing"][0]["reason"] == "no_order"
    assert client_for(supervisor).get("/supervision/outages/", {"year": "abc"}).status_code == 400
    assert bearer(supervisor).get("/api/v1/supervision/outages", {"year": "abc"}).status_code == 422


def test_outsiders_are_refused(history, operator):
    assert Client().get("/supervision/outages/").status_code == 302
    assert client_for(operator).get("/supervision/outages/").status_code == 403
    assert Client().get("/api/v1/supervision/outages", {"year": 2026}).status_code == 401
    assert bearer(operator).get("/api/v1/supervision/outages", {"year": 2026}).status_code == 403
