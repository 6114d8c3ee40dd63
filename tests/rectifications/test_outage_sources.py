"""Outage problems the daily scan puts on the rectification list: unauthorised rationing and a
planned outage changed inside its notice period (its customers told late)."""

from __future__ import annotations

import pytest

from bandian.outages import faults, planned
from bandian.supervision.models import Rectification, Source
from bandian.supervision.sources import scan
from tests.outnotice.conftest import (  # noqa: F401 (fixtures, found by name)
    at,
    clock,
    grid,
    operator,
)

pytestmark = pytest.mark.django_db


def test_unauthorised_rationing_opens_one_item_per_outage(grid, operator):  # noqa: F811
    event, _ = faults.fault_report(
        feeder=grid.feeder,
        transformers=[grid.transformers["C1"]],
        cause="rationing",
        start=at(hours=-1),
        actor=operator,
    )
    scan(at=at())
    item = Rectification.objects.get(source=Source.RATIONING)
    assert item.subject == event.reference and item.county_id == grid.feeder.county_id and "违规限电" in item.title
    scan(at=at(days=1))
    assert Rectification.objects.filter(source=Source.RATIONING).count() == 1


def test_a_plan_changed_inside_its_notice_period_is_a_late_notice(grid, operator):  # noqa: F811
    plan, _ = planned.planned_create(
        feeder=grid.feeder,
        start=at(days=10),
        end=at(days=10, hours=4),
        works="更换开关",
        area="北京东路",
        actor=operator,
    )
    scan(at=at())
    assert not Rectification.objects.filter(source=Source.LATE_NOTICE).exists()
    planned.planned_change(plan=plan, end=at(days=10, hours=6), reason="工程量增加", actor=operator, at=at(days=5))
    scan(at=at(days=5))
    item = Rectification.objects.get(source=Source.LATE_NOTICE)
    assert item.subject == plan.reference
