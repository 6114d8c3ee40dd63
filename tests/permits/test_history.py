"""Cases recorded as they happened (`at=`): history after the fact, as the demo records it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bandian.applications import services as app_services
from bandian.applications.enums import EventType, Status
from bandian.core.errors import ServiceError, StateConflict
from bandian.notify.models import Message
from bandian.permits import services
from bandian.permits.models import ApprovalCase, CaseLog, CasePath, CaseStatus, ItemStatus
from tests.permits.conftest import START, open_parallel

pytestmark = pytest.mark.django_db


def _energise(app, cm, clock, when: dt.datetime):
    clock.move_to(when)
    for stage in ("apply", "plan", "connect"):
        app_services.stage_complete(application=app, stage=stage, actor=cm)
    app.refresh_from_db()
    assert app.status == Status.ENERGISED
    return app


def _commitment(app, actor, **kw) -> ApprovalCase:
    return services.case_open(
        application=app,
        actor=actor,
        route="10kV 凯里大道分支箱—客户",
        route_length_m=Decimal("280"),
        voltage_kv=Decimal("10"),
        has_wells=False,
        crossings="凯里大道",
        item_types=["road_works"],
        commitment_signed=True,
        **kw,
    )


def test_a_case_of_an_application_energised_since_is_history_and_leaves_its_timeline(clock, hv_app, cm):
    energised = _energise(hv_app, cm, clock, START + dt.timedelta(days=3))
    events, messages = energised.events.count(), Message.objects.count()
    then = START + dt.timedelta(days=1)  # in progress then
    case = _commitment(energised, cm, at=then, notify_people=False)
    assert case.path == CasePath.COMMITMENT and case.status == CaseStatus.APPROVED
    assert case.opened_at == then and case.decided_at == then and case.commitment_signed_at == then
    assert set(case.log.values_list("at", flat=True)) == {then}
    assert energised.events.count() == events  # no approval interval appended to a closed timeline
    assert Message.objects.count() == messages


def test_a_case_cannot_be_opened_after_the_application_was_energised(clock, hv_app, cm):
    energised = _energise(hv_app, cm, clock, START + dt.timedelta(days=3))
    clock.move_to(START + dt.timedelta(days=5))
    for at in (None, START + dt.timedelta(days=4), START - dt.timedelta(hours=1)):  # after it, now, before submission
        with pytest.raises(StateConflict, match="未在办理中"):
            _commitment(energised, cm, at=at)
    assert not ApprovalCase.objects.exists() and not CaseLog.objects.exists()


def test_a_time_in_the_future_is_refused_and_changes_nothing(clock, hv_app, cm):
    with pytest.raises(ServiceError, match="晚于当前时间"):
        open_parallel(hv_app, cm, at=START + dt.timedelta(minutes=1))
    assert not ApprovalCase.objects.exists()
    assert not hv_app.events.filter(type=EventType.APPROVAL_STARTED).exists()


def test_an_open_application_gets_its_approval_clock_at_the_cases_time(clock, hv_app, cm, deciders):
    clock.move_to(START + dt.timedelta(days=2))
    opened = START + dt.timedelta(hours=3)
    case = open_parallel(hv_app, cm, items=["road_works", "green_space"], at=opened, notify_people=False)
    assert case.opened_at == opened
    started = hv_app.events.get(type=EventType.APPROVAL_STARTED)
    assert started.occurred_at == opened
    assert set(case.materials.values_list("uploaded_at", flat=True)) == {opened}

    first, second = case.items.order_by("pk")
    decided = START + dt.timedelta(days=1)
    services.item_approve(item=first, actor=deciders[first.item_type], at=decided, notify_people=False)
    services.item_approve(item=second, actor=None, at=decided + dt.timedelta(hours=2), notify_people=False)
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED and case.decided_at == decided + dt.timedelta(hours=2)
    assert case.document  # the combined approval, as from the pages
    completed = hv_app.events.get(type=EventType.APPROVAL_COMPLETED)
    assert completed.occurred_at == decided + dt.timedelta(hours=2)
    assert not Message.objects.filter(subject__startswith="外线工程").exists()
    assert not Message.objects.filter(recipient__role="department").exists()


def test_a_decision_before_the_cases_intake_is_refused_and_changes_nothing(clock, hv_app, cm, deciders):
    clock.move_to(START + dt.timedelta(days=2))
    opened = START + dt.timedelta(days=1)
    case = open_parallel(hv_app, cm, items=["road_works"], at=opened)
    item = case.items.get()
    with pytest.raises(ServiceError, match="受理时间"):
        services.item_refuse(item=item, actor=deciders["road_works"], reason="改线", at=opened - dt.timedelta(hours=1))
    item.refresh_from_db()
    assert item.status == ItemStatus.PENDING and case.log.count() == 2  # opened, material added


def test_a_decision_without_a_person_is_only_history(case):
    item = case.items.first()
    with pytest.raises(ValueError, match="at="):
        services.item_approve(item=item, actor=None)
    item.refresh_from_db()
    assert item.status == ItemStatus.PENDING


def test_notifications_still_go_out_for_a_decision_at_a_given_time(clock, case, deciders):
    clock.move_to(START + dt.timedelta(hours=5))
    item = case.items.get(item_type="road_works")
    services.item_refuse(
        item=item, actor=deciders["road_works"], reason="道路新建未满五年", at=START + dt.timedelta(hours=4)
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.REFUSED and case.decided_at == START + dt.timedelta(hours=4)
    assert Message.objects.filter(subject="外线工程审批未通过").exists()
    stopped = case.items.filter(status=ItemStatus.STOPPED)
    assert stopped.count() == 4 and {i.decided_at for i in stopped} == {START + dt.timedelta(hours=4)}
