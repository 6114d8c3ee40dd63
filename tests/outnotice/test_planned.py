"""Planned outages: announced in time to every affected customer, changed and cancelled with a
new notice, refused when too late, and becoming the outage event reliability counts."""

from __future__ import annotations

import pytest

from bandian.core.errors import StateConflict
from bandian.grid.models import Change
from bandian.notify.models import Message
from bandian.outages import planned
from bandian.outages.enums import NoticeKind, OutageKind, PlanStatus
from bandian.outages.models import Interruption, Notice, PlannedOutage
from bandian.outages.services import OutageError
from tests.outnotice.conftest import at

pytestmark = pytest.mark.django_db


def plan_on_t1(grid, operator, *, days=8, temporary=False, **extra):
    return planned.planned_create(
        feeder=grid.feeder, transformers=[grid.transformers["T1"]], start=at(days), end=at(days, 6),
        works="更换T1配变", area="城东路1-20号", temporary=temporary, actor=operator, **extra,
    )  # fmt: skip


def phones_told(reference):
    return sorted(Message.objects.filter(ref=reference, channel="sms").values_list("phone", flat=True))


def test_a_plan_notifies_the_lv_customers_under_its_transformers(grid, operator):
    plan, notified = plan_on_t1(grid, operator)
    assert notified == 2
    assert phones_told(plan.reference) == ["13900000001", "13900000002"]
    assert plan.reference.startswith("JH-2026-")
    notice = Notice.objects.get(reference=plan.reference)
    assert notice.kind == NoticeKind.PLANNED and "城东路1-20号" in notice.body and "2026-06-10 10:00" in notice.body


def test_a_plan_on_the_whole_feeder_reaches_the_hv_customers_contact(grid, operator):
    plan, notified = planned.planned_create(
        feeder=grid.feeder, start=at(10), end=at(10, 8), works="线路检修", area="城东片区", actor=operator
    )
    assert notified == 4  # 张三, 李四, 王五 and H1's contact
    assert "13900000100" in phones_told(plan.reference)


def test_a_plan_later_than_seven_days_is_refused_naming_the_rule(grid, operator):
    with pytest.raises(OutageError) as refused:
        plan_on_t1(grid, operator, days=6.9)
    assert "计划停电须至少提前 7 天通知" in str(refused.value) and "故障" in str(refused.value)
    assert not PlannedOutage.objects.exists() and not Message.objects.exists() and not Change.objects.exists()


def test_temporary_maintenance_needs_24_hours(grid, operator):
    plan, _ = plan_on_t1(grid, operator, days=1.5, temporary=True)
    assert "临时检修" in Notice.objects.get(reference=plan.reference).body
    with pytest.raises(OutageError, match="24 小时"):
        plan_on_t1(grid, operator, days=0.9, temporary=True)


def test_bad_times_and_missing_words_are_refused(grid, operator):
    with pytest.raises(OutageError, match="预计结束时间须晚于"):
        planned.planned_create(feeder=grid.feeder, start=at(9), end=at(9), works="x", area="y", actor=operator)
    with pytest.raises(OutageError, match="停电范围"):
        planned.planned_create(feeder=grid.feeder, start=at(9), end=at(9, 1), works="x", area=" ", actor=operator)
    with pytest.raises(OutageError, match="T9"):
        planned.planned_create(
            feeder=grid.feeder, transformers=[grid.transformers["T9"]], start=at(9), end=at(9, 1), works="x",
            area="y", actor=operator,
        )  # fmt: skip
    assert not PlannedOutage.objects.exists()


def test_postponing_notifies_everyone_again_and_moves_the_lead_time(grid, operator):
    plan, _ = plan_on_t1(grid, operator, at=at(-2))  # announced two days ago, starts in 8 days
    changed = planned.planned_change(plan=plan, start=at(9), end=at(9, 6), reason="天气原因", actor=operator)
    assert changed.start == at(9) and changed.start_announced_at == at(0) and changed.late_changes == 0
    notice = Notice.objects.filter(reference=plan.reference).first()
    assert notice.kind == NoticeKind.CHANGED and "推迟" in notice.body and not notice.inside_notice_period
    assert len(phones_told(plan.reference)) == 4  # the two customers, twice
    assert Change.objects.filter(object_id=plan.pk, action="update").exists()


def test_a_change_inside_the_notice_period_is_marked(grid, operator):
    plan, _ = plan_on_t1(grid, operator, at=at(-5))  # starts in 8 days, announced 13 days ahead
    plan = planned.planned_change(plan=plan, end=at(8, 9), reason="工作量增加", actor=operator, at=at(3))
    notice = Notice.objects.filter(reference=plan.reference).first()
    assert notice.inside_notice_period and "延长" in notice.body and "通知期内" in notice.body
    assert plan.late_changes == 1 and plan.start_announced_at == at(-5)  # the start stayed


def test_bringing_the_start_forward_must_respect_the_notice_period(grid, operator):
    plan, _ = plan_on_t1(grid, operator, days=12)
    with pytest.raises(OutageError, match="7 天"):
        planned.planned_change(plan=plan, start=at(5), end=at(5, 6), reason="提前", actor=operator)
    plan.refresh_from_db()
    assert plan.start == at(12) and Notice.objects.filter(reference=plan.reference).count() == 1


def test_cancelling_notifies_everyone_and_then_nothing_changes_it(grid, operator):
    plan, _ = plan_on_t1(grid, operator)
    planned.planned_cancel(plan=plan, reason="工程推迟到明年", actor=operator)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CANCELLED
    assert Notice.objects.filter(reference=plan.reference, kind=NoticeKind.CANCELLED).exists()
    with pytest.raises(StateConflict):
        planned.planned_change(plan=plan, end=at(8, 7), reason="x", actor=operator)
    with pytest.raises(StateConflict):
        planned.planned_begin(plan=plan, actor=operator, at=at(8))


def test_the_plan_becomes_the_outage_event_with_its_reference(grid, operator):
    plan, _ = plan_on_t1(grid, operator)
    with pytest.raises(OutageError, match="不能早于"):
        planned.planned_begin(plan=plan, actor=operator, at=at(7))
    event = planned.planned_begin(plan=plan, actor=operator, at=at(8, 0.25))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.STARTED and plan.event == event
    assert event.reference == plan.reference and event.kind == OutageKind.PLANNED and event.area == plan.area
    rows = Interruption.objects.filter(event_id=plan.reference)
    assert [r.user_id for r in rows] == ["T1"] and rows[0].end is None and rows[0].start == at(8, 0.25)
