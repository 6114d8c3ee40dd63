"""Faults and repair progress: the affected customers told at once and at every step, the
interruption rows following the restoration."""

from __future__ import annotations

import pytest

from bandian.core.errors import StateConflict
from bandian.grid.models import Change
from bandian.notify.models import Message
from bandian.outages import faults
from bandian.outages.enums import NoticeKind, OutageKind, ProgressStage
from bandian.outages.models import Interruption, Notice, ProgressStep
from bandian.outages.services import OutageError
from tests.outnotice.conftest import at

pytestmark = pytest.mark.django_db


def fault(grid, operator, **extra):
    return faults.fault_report(
        feeder=grid.feeder, cause="internal", start=at(hours=-1), area="城东片区", actor=operator, **extra
    )


def told(reference, kind):
    notice = Notice.objects.filter(reference=reference, kind=kind).first()
    return notice.recipients if notice else 0


def test_entering_a_fault_notifies_every_affected_customer_at_once(grid, operator):
    event, notified = fault(grid, operator)
    assert event.kind == OutageKind.FAULT and notified == 4
    notice = Notice.objects.get(reference=event.reference)
    assert notice.kind == NoticeKind.FAULT and "城东片区" in notice.body and "供电设备故障" in notice.body
    assert Message.objects.filter(channel="sms", ref=event.reference).count() == 4
    assert ProgressStep.objects.get(event=event).stage == ProgressStage.REPORTED


def test_a_fault_in_the_future_is_refused(grid, operator):
    with pytest.raises(OutageError, match="不能晚于现在"):
        faults.fault_report(feeder=grid.feeder, cause="internal", start=at(hours=1), actor=operator)
    assert not Message.objects.exists()


def test_each_step_notifies_those_still_out_and_the_estimate_can_change(grid, operator):
    event, _ = fault(grid, operator)
    faults.progress_add(event=event, stage="dispatched", actor=operator, at=at(hours=-0.5))
    faults.progress_add(event=event, stage="estimate", estimated_restoration=at(hours=3), actor=operator)
    faults.progress_add(
        event=event, stage="estimate", estimated_restoration=at(hours=5), note="需更换电缆", actor=operator
    )
    assert faults.estimated_restoration(event) == at(hours=5)
    latest = Notice.objects.filter(reference=event.reference).first()
    assert latest.kind == NoticeKind.PROGRESS and "2026-06-02 15:00" in latest.body and "需更换电缆" in latest.body
    assert latest.recipients == 4


def test_partly_restored_tells_the_restored_and_the_rest_and_feeds_the_rows(grid, operator):
    event, _ = fault(grid, operator)
    faults.progress_add(event=event, stage="partly_restored", users=[grid.users["T1"]], actor=operator, at=at(hours=1))
    assert told(event.reference, NoticeKind.RESTORED) == 2  # 张三 and 李四 under T1
    assert told(event.reference, NoticeKind.PROGRESS) == 2  # 王五 and H1 still out
    rows = {r.user_id: r.end for r in Interruption.objects.filter(outage=event)}
    assert rows["T1"] == at(hours=1) and rows["T2"] is None
    faults.progress_add(event=event, stage="restored", actor=operator, at=at(hours=2))
    event.refresh_from_db()
    assert event.closed_at == at(hours=2)
    assert all(end == (at(hours=1) if u == "T1" else at(hours=2)) for u, end in
               Interruption.objects.filter(outage=event).values_list("user_id", "end"))  # fmt: skip
    last = Notice.objects.filter(reference=event.reference).first()
    assert last.kind == NoticeKind.RESTORED and last.recipients == 2  # 王五 and H1
    with pytest.raises(StateConflict):
        faults.progress_add(event=event, stage="repairing", actor=operator)
    assert Change.objects.filter(object_id=event.pk, action="close").exists()


def test_bad_progress_is_refused_and_changes_nothing(grid, operator):
    event, _ = fault(grid, operator)
    before = (Notice.objects.count(), ProgressStep.objects.count(), Change.objects.count())
    with pytest.raises(OutageError, match="未知的抢修进度"):
        faults.progress_add(event=event, stage="teleported", actor=operator)
    with pytest.raises(OutageError, match="请填写预计恢复送电时间"):
        faults.progress_add(event=event, stage="estimate", actor=operator)
    with pytest.raises(OutageError, match="须晚于"):
        faults.progress_add(event=event, stage="estimate", estimated_restoration=at(hours=-2), actor=operator)
    with pytest.raises(OutageError, match=r"已复电|不在本次"):
        faults.progress_add(event=event, stage="partly_restored", users=[grid.users["T9"]], actor=operator)
    assert (Notice.objects.count(), ProgressStep.objects.count(), Change.objects.count()) == before
