"""POST /cases/{no}/withdraw: the utility ends an open case; JSON errors; outsiders refused."""

from __future__ import annotations

import pytest
from django.test import Client

from bandian.applications.enums import EventType
from bandian.notify.models import Message
from bandian.permits.models import ApprovalCase, CaseStatus, ItemStatus
from tests.permits_api.conftest import BASE, bearer, item_id, open_parallel, post_json

pytestmark = pytest.mark.django_db

REASON = "申请人已撤回用电申请"


def _withdraw(client: Client, case: ApprovalCase, body: dict | None = None):
    return post_json(client, f"{BASE}/cases/{case.no}/withdraw", {"reason": REASON} if body is None else body)


def test_the_utility_withdraws_an_open_case(case, cm, housing, transport, hv_app):
    assert post_json(bearer(housing), f"{BASE}/items/{item_id(case, 'green_space')}/approve").status_code == 200
    response = _withdraw(bearer(cm), case)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "withdrawn" and body["status_name"] == "已撤回" and body["decided_at"]
    statuses = {i["item_type"]: i["status"] for i in body["items"]}
    assert statuses.pop("green_space") == "approved"
    assert set(statuses.values()) == {"stopped"}
    assert not any(i["overdue"] for i in body["items"])
    assert [e["note"] for e in body["log"] if e["action"] == "withdrawn"] == [REASON]
    assert hv_app.events.filter(type=EventType.APPROVAL_COMPLETED).count() == 1
    assert Message.objects.filter(recipient=transport, subject="外线工程审批已撤回").exists()
    assert not Message.objects.filter(recipient=housing, subject="外线工程审批已撤回").exists()
    # The department's own list no longer has anything to decide.
    pending = bearer(transport).get(f"{BASE}/items", {"status": "pending"}).json()
    assert pending["count"] == 0
    # A new case can be opened for the application.
    again = open_parallel(hv_app, cm, ["road_works"])
    assert again.no.endswith("-W02")
    assert bearer(transport).get(f"{BASE}/items", {"status": "pending"}).json()["count"] == 1


def test_a_reason_is_required(case, cm):
    for body in ({}, {"reason": ""}):
        response = _withdraw(bearer(cm), case, body)
        assert response.status_code == 422 and response.json()["detail"]
    blank = _withdraw(bearer(cm), case, {"reason": "   "})
    assert blank.status_code == 400 and "理由" in blank.json()["detail"]
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


def test_a_case_no_longer_open_gets_409(case, cm, housing):
    post_json(bearer(housing), f"{BASE}/items/{item_id(case, 'green_space')}/refuse", {"reason": "不得占用"})
    refused = _withdraw(bearer(cm), case)
    assert refused.status_code == 409 and refused.json()["detail"]
    case.refresh_from_db()
    assert case.status == CaseStatus.REFUSED


def test_withdrawing_twice_gets_409(case, cm):
    assert _withdraw(bearer(cm), case).status_code == 200
    again = _withdraw(bearer(cm), case)
    assert again.status_code == 409 and again.json()["detail"]


def test_outsiders_are_refused(case, alice, cm_elsewhere, counter, housing, huangping_gov, supervisor):
    anonymous = _withdraw(Client(), case)
    assert anonymous.status_code == 401 and anonymous.json()["detail"]
    for user, status in (
        (alice, 403),  # an applicant: wrong role
        (housing, 403),  # a department with an item on the case: wrong role
        (huangping_gov, 403),
        (counter, 403),  # the county's counter clerk reads, does not act
        (supervisor, 403),
        (cm_elsewhere, 404),  # another county's customer manager does not see the case
    ):
        response = _withdraw(bearer(user), case)
        assert response.status_code == status, (user, response.content)
        assert response.json()["detail"]
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert set(case.items.values_list("status", flat=True)) == {ItemStatus.PENDING}
