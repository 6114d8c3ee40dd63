"""The approval case's actions: paths, parallel decisions, supplements, refusals, the clock."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from bandian.accounts.models import County
from bandian.applications import services as app_services
from bandian.applications.enums import EventType
from bandian.core.errors import ServiceError, StateConflict
from bandian.core.time import SHANGHAI
from bandian.notify.models import Message
from bandian.permits import selectors, services
from bandian.permits.models import CaseLog, CasePath, CaseStatus, ItemStatus, LogAction, PermitItem
from bandian.permits.report import approvals_report
from bandian.policy.loader import active_policy
from bandian.policy.schema import PolicyGap
from tests.conftest import pdf_upload, submitted
from tests.permits.conftest import ALL_ITEMS, START, open_parallel

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kv", "metres", "wells", "path"),
    [
        (0.4, 50, False, CasePath.FILING),
        (0.4, 50, True, CasePath.PARALLEL),  # wells exclude filing and commitment alike
        (0.4, 51, False, CasePath.COMMITMENT),
        (10, 300, False, CasePath.COMMITMENT),
        (20, 300, False, CasePath.COMMITMENT),
        (10, 300.5, False, CasePath.PARALLEL),
        (10, 120, True, CasePath.PARALLEL),
    ],
)
def test_the_path_follows_the_policy_thresholds(kv, metres, wells, path):
    assert services.decide_path(active_policy(), voltage_kv=kv, length_m=metres, has_wells=wells) == path


def test_one_intake_sends_each_item_to_its_department_and_starts_the_approval_clock(case, hv_app):
    items = {i.item_type: i for i in case.items.select_related("department")}
    assert {t: i.department.code for t, i in items.items()} == {
        "green_space": "housing",
        "tree_felling": "natural_resources",
        "road_works": "transport",
        "bridge_lines": "government_services",
        "road_occupation": "county-522601",  # the application's county government
    }
    assert case.path == CasePath.PARALLEL and case.status == CaseStatus.OPEN
    # 四（二）: the items are approved together within 5 working days in total, a 10 kV line too.
    assert case.limit_workdays == 5
    assert case.due_at == dt.datetime(2026, 3, 9, 9, tzinfo=SHANGHAI)
    assert {i.due_at for i in items.values()} == {dt.datetime(2026, 3, 9, 9, tzinfo=SHANGHAI)}
    assert case.materials.count() == 1  # uploaded once, shared
    assert hv_app.events.filter(type=EventType.APPROVAL_STARTED).count() == 1


def test_the_departments_are_told_of_new_items(deciders, case):
    for user in deciders.values():
        assert Message.objects.filter(recipient=user, subject="新的外线工程审批事项").count() == 1


def decide(item: PermitItem, user, decision: str) -> None:
    if decision == "approve":
        services.item_approve(item=item, actor=user)
    else:
        services.item_refuse(item=item, actor=user, reason=f"{item.item_type} 不符合规划")


def outcome(case) -> dict:
    case.refresh_from_db()
    return {
        "status": case.status,
        "decided_at": case.decided_at,
        "document": bool(case.document),
        "items": sorted(case.items.values_list("item_type", "status", "reason")),
        "verdict": list(
            case.log.filter(action__in=[LogAction.CASE_APPROVED, LogAction.CASE_REFUSED]).values_list("action", "note")
        ),
        "approval_events": sorted(
            case.application.events.values_list("type", flat=True).filter(type__startswith="approval")
        ),
    }


def decide_unless_ended(item: PermitItem, user, decision: str) -> None:
    """A department acting after another's refusal ended the case is told the case is over."""
    try:
        decide(item, user, decision)
    except StateConflict:
        item.refresh_from_db()
        assert item.status == ItemStatus.STOPPED


@pytest.mark.parametrize(
    "decisions",
    [
        {"green_space": "approve", "tree_felling": "approve", "road_works": "approve"},
        {"green_space": "approve", "tree_felling": "approve", "road_works": "approve", "road_occupation": "approve"},
        {"green_space": "approve", "tree_felling": "refuse", "road_works": "approve", "road_occupation": "approve"},
    ],
)
def test_departments_deciding_in_any_order_give_the_same_result(clock, alice, cm, pm, deciders, decisions):
    results = []
    for order in itertools.permutations(decisions):
        app = submitted(alice, County.objects.get(pk="522601"), "hv_single", capacity_kw=Decimal("500"))
        case = open_parallel(app, cm, list(decisions))
        items = {i.item_type: i for i in case.items.all()}
        for item_type in order:
            # The deciding decision (the refusal, or the last approval) comes at the same instant.
            refusal = decisions[item_type] == "refuse"
            last_approval = "refuse" not in decisions.values() and item_type == order[-1]
            if refusal or last_approval:
                clock.move_to(START + dt.timedelta(hours=30))
            decide_unless_ended(items[item_type], deciders[item_type], decisions[item_type])
        clock.move_to(START)
        result = outcome(case)
        result.pop("items")  # which items were stopped depends on when the refusal came
        results.append(result)
    assert all(r == results[0] for r in results)
    refused = "refuse" in decisions.values()
    assert results[0]["status"] == (CaseStatus.REFUSED if refused else CaseStatus.APPROVED)
    assert results[0]["document"] is (not refused)
    assert results[0]["approval_events"] == ["approval_completed", "approval_started"]
    if refused:
        reason = "州自然资源局（采伐城市树木）：tree_felling 不符合规划"
        assert results[0]["verdict"] == [(LogAction.CASE_REFUSED, reason)]


def test_a_refusal_ends_the_case_at_once_with_the_reason_shown_to_the_utility(case, deciders, cm, hv_app):
    items = {i.item_type: i for i in case.items.all()}
    services.item_approve(item=items[ALL_ITEMS[1]], actor=deciders[ALL_ITEMS[1]])
    services.item_refuse(
        item=items["green_space"], actor=deciders["green_space"], reason="该绿地为公园核心区，不得占用"
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.REFUSED and not case.document
    assert (
        "州住房城乡建设局（占用城市绿地）：该绿地为公园核心区，不得占用"
        in case.log.get(action=LogAction.CASE_REFUSED).note
    )
    assert Message.objects.filter(recipient=cm, subject="外线工程审批未通过", body__contains="公园核心区").exists()
    assert hv_app.events.filter(type=EventType.APPROVAL_COMPLETED).count() == 1
    # The items still waiting are stopped, and their departments told they need not decide.
    statuses = dict(case.items.values_list("item_type", "status"))
    assert statuses["green_space"] == ItemStatus.REFUSED
    assert statuses[ALL_ITEMS[1]] == ItemStatus.APPROVED
    assert all(statuses[t] == ItemStatus.STOPPED for t in ALL_ITEMS[2:])
    for t in ALL_ITEMS[2:]:
        assert Message.objects.filter(recipient=deciders[t], subject="外线工程审批已终止").exists()
        with pytest.raises(StateConflict):
            services.item_approve(item=items[t], actor=deciders[t])


def test_a_refusal_needs_a_reason(case, deciders):
    item = case.items.get(item_type="green_space")
    with pytest.raises(ServiceError, match="理由"):
        services.item_refuse(item=item, actor=deciders["green_space"], reason="  ")
    item.refresh_from_db()
    assert item.status == ItemStatus.PENDING


def test_a_supplement_request_is_logged_answered_and_then_decided(case, deciders, cm):
    item = case.items.get(item_type="road_works")
    services.item_request_supplement(item=item, actor=deciders["road_works"], note="请补充道路开挖断面图")
    item.refresh_from_db()
    assert item.status == ItemStatus.SUPPLEMENT_REQUESTED
    assert CaseLog.objects.filter(
        item=item, action=LogAction.SUPPLEMENT_REQUESTED, note="请补充道路开挖断面图"
    ).exists()
    assert Message.objects.filter(recipient=cm, body__contains="请补充道路开挖断面图").exists()

    with pytest.raises(ServiceError, match="PDF"):
        services.case_supplement(
            case=case, actor=cm, note="断面图", materials=[pdf_upload("x.pdf").__class__("x.exe", b"MZ\x90\x00")]
        )
    assert case.materials.count() == 1  # nothing stored from a refused answer
    services.case_supplement(case=case, actor=cm, note="已补充断面图", materials=[pdf_upload("section.pdf")])
    item.refresh_from_db()
    assert item.status == ItemStatus.PENDING
    assert case.materials.count() == 2
    assert Message.objects.filter(recipient=deciders["road_works"], subject="外线工程审批材料已补正").exists()
    # A supplement is not a decision: the due date stays.
    assert item.due_at == dt.datetime(2026, 3, 9, 9, tzinfo=SHANGHAI)
    for t in ALL_ITEMS:
        services.item_approve(item=case.items.get(item_type=t), actor=deciders[t])
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED and case.document


def test_a_supplement_answer_needs_a_request(case, cm):
    with pytest.raises(StateConflict, match="待补正"):
        services.case_supplement(case=case, actor=cm, note="多余的材料")


def test_the_approval_clock_runs_from_intake_to_the_last_decision(clock, case, deciders, hv_app):
    items = {i.item_type: i for i in case.items.all()}
    clock.move_to(START + dt.timedelta(days=1))
    for t in ALL_ITEMS[:4]:
        services.item_approve(item=items[t], actor=deciders[t])
    clock.move_to(START + dt.timedelta(days=2, hours=6))  # Wednesday 15:00
    services.item_approve(item=items["road_occupation"], actor=deciders["road_occupation"])
    clocks = app_services.application_clocks(hv_app)
    assert clocks.approval_workdays == pytest.approx(2.25)
    case.refresh_from_db()
    assert case.decided_at == START + dt.timedelta(days=2, hours=6)


def test_an_item_past_its_due_date_is_overdue_for_its_department_and_supervisors(clock, case, deciders):
    items = {i.item_type: i for i in case.items.all()}
    services.item_approve(item=items["green_space"], actor=deciders["green_space"])
    clock.move_to(dt.datetime(2026, 3, 9, 9, 1, tzinfo=SHANGHAI))
    overdue = set(selectors.overdue_items().values_list("item_type", flat=True))
    assert overdue == set(ALL_ITEMS) - {"green_space"}
    fresh = {i.item_type: i for i in case.items.all()}
    assert fresh["tree_felling"].is_overdue() and not fresh["green_space"].is_overdue()
    queue = list(selectors.department_queue(deciders["tree_felling"]))
    assert [i.item_type for i in queue] == ["tree_felling"] and queue[0].overdue


def test_a_deadline_in_a_year_the_calendar_lacks_is_unknown(clock, alice, cm, pm):
    clock.move_to(dt.datetime(2026, 12, 28, 9, tzinfo=SHANGHAI))
    app = submitted(alice, County.objects.get(pk="522601"), "hv_single", capacity_kw=Decimal("500"))
    case = open_parallel(app, cm)
    assert case.due_at is None and case.items.first().due_at is None
    assert not selectors.overdue_items().exists()


def test_the_commitment_path_from_intake_to_confirmed_restoration(clock, hv_app, cm, deciders):
    def commitment(**kw):
        return services.case_open(
            application=hv_app,
            actor=cm,
            route="10kV 凯里大道分支箱—客户",
            route_length_m=Decimal("280"),
            voltage_kv=Decimal("10"),
            has_wells=False,
            crossings="凯里大道",
            item_types=["road_works", "green_space"],
            **kw,
        )

    with pytest.raises(ServiceError, match="告知承诺"):
        commitment()
    case = commitment(commitment_signed=True)
    assert case.path == CasePath.COMMITMENT and case.status == CaseStatus.APPROVED
    assert case.commitment_signed_by == cm and case.document
    assert set(case.items.values_list("status", flat=True)) == {ItemStatus.APPROVED}
    assert app_services.application_clocks(hv_app).approval_workdays == 0  # approved at once

    with pytest.raises(StateConflict, match="接电"):
        services.completion_report(case=case, actor=cm)
    for stage in ("apply", "plan", "connect"):
        app_services.stage_complete(application=hv_app, stage=stage, actor=cm)
    clock.move_to(dt.datetime(2026, 3, 4, 10, tzinfo=SHANGHAI))
    services.completion_report(case=case, actor=cm, note="施工完成，已回填")
    case.refresh_from_db()
    assert case.status == CaseStatus.RESTORING
    assert case.restoration_due_at == dt.datetime(2026, 3, 18, 10, tzinfo=SHANGHAI)  # 10 working days
    assert Message.objects.filter(recipient=deciders["road_works"], subject="外线工程施工完成报告").exists()

    services.restoration_confirm(item=case.items.get(item_type="road_works"), actor=deciders["road_works"])
    case.refresh_from_db()
    assert case.status == CaseStatus.RESTORING
    with pytest.raises(StateConflict):
        services.restoration_confirm(item=case.items.get(item_type="road_works"), actor=deciders["road_works"])
    services.restoration_confirm(item=case.items.get(item_type="green_space"), actor=deciders["green_space"])
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.closed_at == dt.datetime(2026, 3, 4, 10, tzinfo=SHANGHAI)
    assert list(case.log.values_list("action", flat=True)) == [
        "opened",
        "commitment_signed",
        "approved",
        "approved",
        "case_approved",
        "completion_reported",
        "restoration_confirmed",
        "restoration_confirmed",
        "closed",
    ]


def test_an_overdue_restoration_is_visible(clock, hv_app, cm, deciders):
    case = services.case_open(
        application=hv_app, actor=cm, route="r", route_length_m=Decimal("100"), voltage_kv=Decimal("10"),
        has_wells=False, crossings="", item_types=["road_works"], commitment_signed=True,
    )  # fmt: skip
    for stage in ("apply", "plan", "connect"):
        app_services.stage_complete(application=hv_app, stage=stage, actor=cm)
    services.completion_report(case=case, actor=cm)
    clock.move_to(dt.datetime(2026, 3, 16, 9, 1, tzinfo=SHANGHAI))  # 10 working days and a minute
    assert list(selectors.overdue_restorations().values_list("item_type", flat=True)) == ["road_works"]


def test_low_voltage_short_lines_go_by_filing(clock, alice, cm, pm):
    app = submitted(alice, County.objects.get(pk="522601"), "residential")
    case = services.case_open(
        application=app, actor=cm, route="0.4kV 表箱—住宅", route_length_m=Decimal("40"), voltage_kv=Decimal("0.4"),
        has_wells=False, crossings="人行道", item_types=["road_works"],
    )  # fmt: skip
    assert case.path == CasePath.FILING and case.status == CaseStatus.APPROVED
    assert list(case.items.values_list("status", flat=True)) == [ItemStatus.FILED]
    assert case.limit_workdays == 5  # low voltage
    pdf = case.document.read()
    assert pdf.startswith(b"%PDF") and b"WenQuanYi" in pdf  # the CJK font is embedded


def test_intake_refuses_bad_input_and_a_second_open_case(case, hv_app, cm):
    with pytest.raises(ServiceError, match="审批事项"):
        open_parallel(hv_app, cm, ["no_such_item"])
    with pytest.raises(ServiceError, match="电压等级"):
        open_parallel(hv_app, cm, voltage_kv=Decimal("35"))
    with pytest.raises(StateConflict, match="审批中"):
        open_parallel(hv_app, cm)


def test_a_draft_application_cannot_go_to_the_departments(clock, alice, cm, kaili):
    from tests.conftest import draft

    app = draft(alice, kaili, "hv_single", capacity_kw=Decimal("500"))
    with pytest.raises(StateConflict):
        open_parallel(app, cm)


def test_the_approval_reaches_the_compliance_report_and_the_applicants_page(
    clock, case, deciders, hv_app, cm, pm, alice
):
    from bandian.applications.compliance import compliance_report
    from tests.conftest import client_for

    items = {i.item_type: i for i in case.items.all()}
    app_services.stage_complete(application=hv_app, stage="apply", actor=cm)
    clock.move_to(START + dt.timedelta(days=1))  # Tuesday 09:00: the departments decide
    for t in ALL_ITEMS:
        services.item_approve(item=items[t], actor=deciders[t])
    clock.move_to(START + dt.timedelta(days=2))
    app_services.stage_complete(application=hv_app, stage="plan", actor=cm)
    clock.move_to(START + dt.timedelta(days=3))
    app_services.stage_complete(application=hv_app, stage="connect", actor=pm)

    line = next(a for a in compliance_report(2026).applications if a.no == hv_app.no)
    # Intake Monday 09:00 to the last decision Tuesday 09:00: one working day of approval, which
    # the utility's clock leaves out of its three days.
    assert line.approval_workdays == pytest.approx(1.0)
    assert line.full_process_workdays == pytest.approx(3.0)
    assert line.utility_workdays == pytest.approx(2.0)
    body = client_for(alice).get(f"/applications/{hv_app.no}/").content.decode()
    assert case.no in body and "已批准" in body


def test_a_high_voltage_item_decided_after_seven_working_days_is_late_in_the_supervisors_share(clock, case, deciders):
    # 2026-03-02 09:00 + 7 working days = 2026-03-11 09:00: past the 5-day total of 四（二）.
    clock.move_to(dt.datetime(2026, 3, 11, 9, tzinfo=SHANGHAI))
    for item in case.items.all():
        decide(item, deciders[item.item_type], "approve")
    stats, _names = approvals_report(2026)
    assert stats.total["decided"] == 5
    assert stats.total["within_limit_share"] == 0.0
    assert stats.total["max_workdays"] == 7.0


def test_the_parallel_limit_comes_from_the_policy_by_the_day_the_case_opens():
    policy = active_policy()
    assert policy.parallel_approval_limit(dt.date(2026, 3, 2)) == 5
    with pytest.raises(PolicyGap):
        policy.parallel_approval_limit(dt.date(2020, 12, 31))
