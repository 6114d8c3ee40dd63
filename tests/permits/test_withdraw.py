"""The utility withdraws an open case (撤回): the waiting items stop, the clock ends, a new case may follow."""

from __future__ import annotations

import datetime as dt

import pytest

from bandian.applications import services as app_services
from bandian.applications.enums import EventType, Status
from bandian.core.errors import ServiceError, StateConflict
from bandian.core.time import SHANGHAI
from bandian.notify.models import Message
from bandian.permits import selectors, services
from bandian.permits.models import CaseLog, CaseStatus, ItemStatus, LogAction
from bandian.permits.report import approvals_report
from tests.conftest import client_for
from tests.permits.conftest import ALL_ITEMS, START, open_parallel

pytestmark = pytest.mark.django_db

PAST_DUE = dt.datetime(2026, 3, 9, 9, 1, tzinfo=SHANGHAI)  # the items were due 03-09 09:00
REASON = "线路路径变更，改走滨江路"


def _url(case) -> str:
    return f"/permits/cases/{case.no}/withdraw/"


def test_withdrawing_stops_the_waiting_items_and_keeps_the_decided_ones(clock, case, deciders, cm, hv_app):
    items = {i.item_type: i for i in case.items.all()}
    services.item_approve(item=items["green_space"], actor=deciders["green_space"])
    services.item_request_supplement(item=items["road_works"], actor=deciders["road_works"], note="请补充断面图")
    clock.move_to(START + dt.timedelta(days=1))
    services.case_withdraw(case=case, actor=cm, reason=f"  {REASON} ")

    case.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN and case.decided_at == START + dt.timedelta(days=1)
    assert not case.document
    statuses = dict(case.items.values_list("item_type", "status"))
    assert statuses["green_space"] == ItemStatus.APPROVED
    assert all(statuses[t] == ItemStatus.STOPPED for t in ALL_ITEMS if t != "green_space")
    stopped = case.items.filter(status=ItemStatus.STOPPED)
    assert all(i.decided_at == START + dt.timedelta(days=1) and i.decided_by is None for i in stopped)
    # The log: one stop per waiting item and the withdrawal, each with the reason.
    assert CaseLog.objects.filter(case=case, action=LogAction.STOPPED, note=REASON).count() == 4
    assert case.log.get(action=LogAction.WITHDRAWN).note == REASON
    assert case.log.get(action=LogAction.WITHDRAWN).actor == cm
    # The departments of the stopped items are told; the one that approved is not.
    for t in ALL_ITEMS:
        told = Message.objects.filter(recipient=deciders[t], subject="外线工程审批已撤回", body__contains=REASON)
        assert told.exists() == (t != "green_space"), t
    # The application's approval interval ends once, at the withdrawal.
    assert hv_app.events.filter(type=EventType.APPROVAL_COMPLETED).count() == 1
    assert app_services.application_clocks(hv_app).approval_workdays == pytest.approx(1.0)
    # Nobody can decide a stopped item any more.
    with pytest.raises(StateConflict):
        services.item_approve(item=items["tree_felling"], actor=deciders["tree_felling"])


def test_withdrawn_items_leave_the_queues_the_overdue_lists_and_the_pending_figures(clock, case, deciders, cm):
    clock.move_to(PAST_DUE)
    assert selectors.overdue_items().count() == 5
    assert [i.item_type for i in selectors.department_queue(deciders["road_works"])] == ["road_works"]
    before, _ = approvals_report(2026)
    assert before.total["pending"] == 5 and before.total["pending_overdue"] == 5 and len(before.overdue_items) == 5

    services.case_withdraw(case=case, actor=cm, reason=REASON)

    assert not selectors.overdue_items().exists()
    for user in deciders.values():
        assert not selectors.department_queue(user).exists()
    assert not any(i.is_overdue() for i in case.items.select_related("case"))
    after, _ = approvals_report(2026)
    assert after.total["pending"] == 0 and after.total["pending_overdue"] == 0 and after.overdue_items == []
    assert after.total["stopped"] == 5 and after.total["decided"] == 0 and after.total["count"] == 5
    # The department's page agrees: no item waiting, none overdue.
    page = client_for(deciders["road_works"]).get("/permits/queue/").content.decode()
    assert case.no not in page


def test_a_reason_is_required(case, cm):
    with pytest.raises(ServiceError, match="理由"):
        services.case_withdraw(case=case, actor=cm, reason="   ")
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN and case.items.filter(status=ItemStatus.PENDING).count() == 5


def test_only_an_open_case_can_be_withdrawn(case, deciders, cm):
    services.item_refuse(item=case.items.get(item_type="green_space"), actor=deciders["green_space"], reason="不得占用")
    with pytest.raises(StateConflict, match="审批中"):
        services.case_withdraw(case=case, actor=cm, reason=REASON)
    case.refresh_from_db()
    assert case.status == CaseStatus.REFUSED and not case.log.filter(action=LogAction.WITHDRAWN).exists()


def test_a_case_cannot_be_withdrawn_twice_or_once_approved(clock, hv_app, cm, deciders):
    case = open_parallel(hv_app, cm, ["road_works"])
    services.case_withdraw(case=case, actor=cm, reason=REASON)
    with pytest.raises(StateConflict):
        services.case_withdraw(case=case, actor=cm, reason=REASON)
    second = open_parallel(hv_app, cm, ["road_works"])
    services.item_approve(item=second.items.get(), actor=deciders["road_works"])
    with pytest.raises(StateConflict):
        services.case_withdraw(case=second, actor=cm, reason=REASON)
    second.refresh_from_db()
    assert second.status == CaseStatus.APPROVED


def test_a_new_case_can_be_opened_after_withdrawal(clock, case, hv_app, cm, deciders):
    with pytest.raises(StateConflict):
        open_parallel(hv_app, cm)  # one open case at a time
    services.case_withdraw(case=case, actor=cm, reason=REASON)
    again = open_parallel(hv_app, cm, ["road_works"], route="10kV 滨江路开关站—客户配电房")
    assert again.no.endswith("-W02") and again.status == CaseStatus.OPEN
    assert [i.item_type for i in selectors.department_queue(deciders["road_works"])] == ["road_works"]
    assert selectors.department_queue(deciders["road_works"]).get().case == again
    assert hv_app.events.filter(type=EventType.APPROVAL_STARTED).count() == 2


def test_a_case_of_a_withdrawn_application_is_withdrawn_without_touching_its_frozen_clock(
    clock, case, hv_app, alice, cm, deciders
):
    app_services.application_withdraw(application=hv_app, actor=alice, note="项目取消")
    hv_app.refresh_from_db()
    assert hv_app.status == Status.WITHDRAWN
    page = client_for(cm).get(f"/permits/cases/{case.no}/").content.decode()
    assert 'id="application-ended"' in page and "用电申请已撤回" in page and 'id="withdraw-form"' in page
    # The departments do not get the utility's notice.
    assert (
        'id="application-ended"'
        not in client_for(deciders["road_works"]).get(f"/permits/cases/{case.no}/").content.decode()
    )

    services.case_withdraw(case=case, actor=cm, reason="申请人已撤回申请")
    case.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN
    assert not hv_app.events.filter(type=EventType.APPROVAL_COMPLETED).exists()
    assert 'id="application-ended"' not in client_for(cm).get(f"/permits/cases/{case.no}/").content.decode()


def test_a_cancelled_application_shows_the_notice_too(case, hv_app, cm):
    app_services.application_cancel(application=hv_app, actor=cm, note="客户放弃")
    page = client_for(cm).get(f"/permits/cases/{case.no}/").content.decode()
    assert 'id="application-ended"' in page and "用电申请已取消" in page
    assert client_for(cm).post(_url(case), {"withdraw-reason": "申请已取消"}).status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN


# The page.


def test_the_utility_withdraws_on_the_case_page(case, cm, pm, housing):
    assert 'id="withdraw-form"' in client_for(cm).get(f"/permits/cases/{case.no}/").content.decode()
    assert 'id="withdraw-form"' in client_for(pm).get(f"/permits/cases/{case.no}/").content.decode()
    assert 'id="withdraw-form"' not in client_for(housing).get(f"/permits/cases/{case.no}/").content.decode()
    assert 'id="application-ended"' not in client_for(cm).get(f"/permits/cases/{case.no}/").content.decode()

    client = client_for(cm)
    response = client.post(_url(case), {"withdraw-reason": REASON})
    assert response.status_code == 302 and response["Location"] == f"/permits/cases/{case.no}/"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert f"外线工程审批 {case.no} 已撤回" in html
    assert '<span class="status status-withdrawn" id="case-status">已撤回</span>' in html
    assert 'id="withdraw-form"' not in html and REASON in html
    # The application page lists it as withdrawn, and offers a new intake.
    app_page = client_for(cm).get(f"/applications/{case.application.no}/").content.decode()
    assert "已撤回" in app_page and 'id="open-approval-case"' in app_page


def test_a_withdrawal_without_a_reason_is_refused_on_the_page(case, cm):
    response = client_for(cm).post(_url(case), {"withdraw-reason": "  "})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="withdraw-form"' in html and "errorlist" in html
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


def test_a_refused_withdrawal_keeps_the_typed_reason_and_says_why(case, deciders, cm):
    services.item_refuse(item=case.items.get(item_type="green_space"), actor=deciders["green_space"], reason="不得占用")
    response = client_for(cm).post(_url(case), {"withdraw-reason": REASON})
    assert response.status_code == 400
    html = response.content.decode()
    assert "只能撤回审批中的外线工程审批" in html
    assert f"{REASON}</textarea>" in html
    case.refresh_from_db()
    assert case.status == CaseStatus.REFUSED


def test_outsiders_cannot_withdraw(case, cm, alice, mallory, cm_elsewhere, counter, housing, huangping_gov, supervisor):
    anonymous = client_for(None).post(_url(case), {"withdraw-reason": REASON})
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    for user, status in (
        (alice, 404),  # the applicant sees the status on the application page only
        (mallory, 404),
        (cm_elsewhere, 404),  # another county's customer manager does not see the case
        (huangping_gov, 404),  # a department without an item on the case
        (housing, 403),  # a department with an item: sees the case, acts for nobody else
        (counter, 403),  # the county's counter clerk reads, does not act
        (supervisor, 403),
    ):
        assert client_for(user).post(_url(case), {"withdraw-reason": REASON}).status_code == status, user
    assert client_for(cm).get(_url(case)).status_code == 405  # POST only
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN and case.items.filter(status=ItemStatus.PENDING).count() == 5


def test_the_withdrawal_in_english(case, hv_app, cm):
    app_services.application_cancel(application=hv_app, actor=cm, note="客户放弃")
    client = client_for(cm)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = client.get(f"/permits/cases/{case.no}/").content.decode()
    assert "The application is cancelled but this case is still open" in body
    assert "Withdraw the case" in body and "撤回审批" not in body
    client.post(_url(case), {"withdraw-reason": REASON})
    body = client.get(f"/permits/cases/{case.no}/").content.decode()
    assert "Withdrawn" in body and "已撤回" not in body
