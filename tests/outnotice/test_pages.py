"""The back-office pages of outage notices: the county's grid operator plans, changes, cancels
and begins outages, enters faults and their progress, records rationing orders; outsiders are
refused and a refused form changes nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from bandian.accounts.models import Role
from bandian.notify.models import Message
from bandian.outages import faults, planned
from bandian.outages.enums import PlanStatus
from bandian.outages.models import Notice, OutageEvent, PlannedOutage, ProgressStep, RationingOrder
from tests.conftest import client_for, make_user
from tests.outnotice.conftest import at

pytestmark = pytest.mark.django_db


def local(value):
    return value.strftime("%Y-%m-%dT%H:%M")


def plan_form(**extra):
    return {
        "feeder": "F1", "transformers": "T1", "start": local(at(8)), "end": local(at(8, 4)),
        "works": "更换配变", "area": "城东路1-20号",
    } | extra  # fmt: skip


@pytest.fixture
def plan(grid, operator):
    return planned.planned_create(
        feeder=grid.feeder, transformers=[grid.transformers["T1"]], start=at(8), end=at(8, 4), works="更换配变",
        area="城东路1-20号", actor=operator,
    )[0]  # fmt: skip


def test_the_operator_announces_a_plan(grid, operator):
    client = client_for(operator)
    assert client.get("/outages/planned/new/").status_code == 200
    answer = client.post("/outages/planned/new/", plan_form())
    plan = PlannedOutage.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/outages/planned/{plan.reference}/"
    page = client.get(answer["Location"]).content.decode()
    assert "城东路1-20号" in page and "0601000001" in page  # the messages, for the county's operator
    assert plan.reference in client.get("/outages/planned/").content.decode()


def test_a_late_plan_is_refused_on_the_page_and_keeps_what_was_typed(grid, operator):
    answer = client_for(operator).post("/outages/planned/new/", plan_form(start=local(at(2)), end=local(at(2, 3))))
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "提前 7 天" in html and "城东路1-20号" in html
    assert not PlannedOutage.objects.exists() and not Message.objects.exists()


def test_outsiders_cannot_plan(grid, operator_elsewhere):
    assert Client().get("/outages/planned/new/").status_code == 302
    applicant = make_user("13800000001", Role.APPLICANT, phone="13800000001")
    assert client_for(applicant).get("/outages/planned/new/").status_code == 403
    assert client_for(applicant).get("/outages/planned/").status_code == 403
    answer = client_for(operator_elsewhere).post("/outages/planned/new/", plan_form())
    assert answer.status_code == 400 and "其他县市" in answer.content.decode()
    assert not PlannedOutage.objects.exists()


def test_change_cancel_and_begin_from_the_page(plan, operator, operator_elsewhere):
    url = f"/outages/planned/{plan.reference}/"
    client = client_for(operator)
    answer = client.post(url + "change/", {"start": local(at(9)), "end": local(at(9, 4)), "reason": "天气"})
    assert answer.status_code == 302
    plan.refresh_from_db()
    assert plan.start == at(9) and Notice.objects.filter(reference=plan.reference).count() == 2
    refused = client.post(url + "change/", {"start": local(at(9)), "end": local(at(9, 4)), "reason": "x"})
    assert refused.status_code == 400 and "没有变化" in refused.content.decode()
    for path, data in (("change/", {"start": local(at(9)), "end": local(at(9, 5)), "reason": "x"}),
                       ("cancel/", {"reason": "x"}), ("begin/", {"at": local(at(9))})):  # fmt: skip
        assert client_for(operator_elsewhere).post(url + path, data).status_code == 403
    assert client_for(operator).post(url + "begin/", {"at": local(at(8))}).status_code == 400  # before the start
    answer = client.post(url + "begin/", {"at": local(at(9))})
    assert answer.status_code == 302 and answer["Location"] == f"/outages/{plan.reference}/"
    plan.refresh_from_db()
    assert plan.status == PlanStatus.STARTED
    assert client.post(url + "cancel/", {"reason": "晚了"}).status_code == 400  # no longer announced


def test_a_fault_entered_on_the_page_notifies_at_once_and_takes_progress(grid, operator, operator_elsewhere):
    client = client_for(operator)
    answer = client.post("/outages/new/", {
        "feeder": "F1", "transformers": "", "kind": "fault", "cause": "external", "start": local(at(hours=-1)),
        "description": "", "area": "城东片区",
    })  # fmt: skip
    event = OutageEvent.objects.get()
    assert answer.status_code == 302 and Notice.objects.get(reference=event.reference).recipients == 4
    url = f"/outages/{event.reference}/progress/"
    assert client_for(operator_elsewhere).post(url, {"stage": "located"}).status_code == 403
    assert client.post(url, {"stage": "partly_restored"}).status_code == 400  # which users?
    assert client.post(url, {"stage": "estimate", "estimated_restoration": local(at(hours=3))}).status_code == 302
    t1 = grid.users["T1"].pk
    assert client.post(url, {"stage": "partly_restored", "users": [t1]}).status_code == 302
    page = client.get(f"/outages/{event.reference}/").content.decode()
    assert "部分恢复送电" in page and "2026-06-02 13:00" in page
    assert ProgressStep.objects.filter(event=event).count() == 3


def test_rationing_orders_and_flags_on_the_page(grid, operator, operator_elsewhere):
    client = client_for(operator)
    faults.fault_report(
        feeder=grid.feeder,
        transformers=[grid.transformers["C1"]],
        cause="rationing",
        start=at(hours=-1),
        actor=operator,
    )
    page = client.get("/outages/rationing/")
    assert page.status_code == 200 and "无有序用电方案或指令" in page.content.decode()
    form = {
        "kind": "order", "county": "522601", "authority": "凯里市发改局", "document_no": "凯发改〔2026〕3号",
        "issued_on": "2026-06-01", "valid_from": "2026-06-01", "valid_to": "2026-06-30", "users": "H1 NOPE",
    }  # fmt: skip
    refused = client.post("/outages/rationing/", form)
    assert refused.status_code == 400 and "NOPE" in refused.content.decode() and not RationingOrder.objects.exists()
    assert client.post("/outages/rationing/", form | {"users": "H1"}).status_code == 302
    assert RationingOrder.objects.get().users.get().user_id == "H1"
    elsewhere = client_for(operator_elsewhere).post("/outages/rationing/", form | {"document_no": "2号", "users": "H1"})
    assert elsewhere.status_code == 400 and RationingOrder.objects.count() == 1  # not their county
    applicant = make_user("13800000001", Role.APPLICANT, phone="13800000001")
    assert client_for(applicant).get("/outages/rationing/").status_code == 403
    assert Client().get("/outages/rationing/").status_code == 302


def test_outsiders_cannot_see_a_plan_nor_record_progress(plan, grid, operator):
    applicant = make_user("13800000001", Role.APPLICANT, phone="13800000001")
    url = f"/outages/planned/{plan.reference}/"
    assert client_for(applicant).get(url).status_code == 403
    assert Client().get(url).status_code == 302
    assert client_for(applicant).post(url + "cancel/", {"reason": "x"}).status_code == 403
    event, _n = faults.fault_report(feeder=grid.feeder, cause="internal", start=at(hours=-1), actor=operator)
    before = ProgressStep.objects.count()
    assert Client().post(f"/outages/{event.reference}/progress/", {"stage": "located"}).status_code == 302
    assert client_for(applicant).post(f"/outages/{event.reference}/progress/", {"stage": "located"}).status_code in (
        403,
        404,
    )
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ANNOUNCED and ProgressStep.objects.count() == before
    supervisor = make_user("supervisor", Role.SUPERVISOR)
    page = client_for(supervisor).get(url)
    assert page.status_code == 200 and 'id="cancel-form"' not in page.content.decode()  # reads, changes nothing
