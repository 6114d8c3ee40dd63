"""The last two departments deciding at the same moment: one decision for the case, once."""

from __future__ import annotations

import pytest

from bandian.applications.enums import EventType
from bandian.permits import services
from bandian.permits.models import CaseLog, CaseStatus, LogAction, PermitItem
from tests.timeline.test_concurrency import postgres_only, race


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_last_two_decisions_at_once_decide_the_case_exactly_once(deciders, case, hv_app):
    for t in ("green_space", "tree_felling", "bridge_lines"):
        services.item_approve(item=case.items.get(item_type=t), actor=deciders[t])

    def approve(item_type: str):
        return lambda: services.item_approve(
            item=PermitItem.objects.get(case=case, item_type=item_type), actor=deciders[item_type]
        )

    outcomes = race(approve("road_works"), approve("road_occupation"))
    assert all(isinstance(o, PermitItem) for o in outcomes), outcomes
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED and case.document
    assert CaseLog.objects.filter(case=case, action=LogAction.CASE_APPROVED).count() == 1
    assert hv_app.events.filter(type=EventType.APPROVAL_COMPLETED).count() == 1
