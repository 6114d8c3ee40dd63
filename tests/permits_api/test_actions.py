"""Departments and the utility act through the API: the same services, the same results."""

from __future__ import annotations

import itertools
from decimal import Decimal

from django.test import Client

from bandian.api import api
from bandian.applications import services as app_services
from bandian.applications.enums import Status
from bandian.permits.models import ApprovalCase, CaseStatus, ItemStatus
from tests.api.openapi_check import assert_conforms
from tests.conftest import pdf_upload, submitted
from tests.permits_api.conftest import ALL_ITEMS, BASE, bearer, item_id, open_parallel, post_json


def test_a_department_lists_its_items_soonest_due_first_and_filters_by_status(hv_app, cm, transport, alice, kaili):
    first = open_parallel(hv_app, cm, ["road_works", "green_space"])
    second_app = submitted(alice, kaili, "hv_single", capacity_kw=Decimal("630"))
    second = open_parallel(second_app, cm, ["road_works"])
    client = bearer(transport)
    post_json(client, f"{BASE}/items/{item_id(second, 'road_works')}/supplement", {"note": "请补充道路开挖图"})

    body = client.get(f"{BASE}/items").json()
    assert body["count"] == 2
    assert [i["case_no"] for i in body["items"]] == [first.no, second.no]
    assert {i["department"] for i in body["items"]} == {"transport"}

    waiting = client.get(f"{BASE}/items", {"status": "supplement_requested"}).json()
    assert [i["case_no"] for i in waiting["items"]] == [second.no]
    page = client.get(f"{BASE}/items", {"limit": 1, "offset": 1}).json()
    assert page["count"] == 2 and [i["case_no"] for i in page["items"]] == [second.no]


def test_items_past_due_are_marked_overdue(case, transport, clock):
    clock.shift(dt_days(10))
    body = bearer(transport).get(f"{BASE}/items/{item_id(case, 'road_works')}").json()
    assert body["overdue"] is True
    assert body["case"]["no"] == case.no


def dt_days(n: int):
    import datetime as dt

    return dt.timedelta(days=n)


def test_the_last_approval_decides_the_case_and_issues_one_document(case, deciders):
    for item_type in ALL_ITEMS:
        response = post_json(bearer(deciders[item_type]), f"{BASE}/items/{item_id(case, item_type)}/approve")
        assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "approved"
    assert body["case_status"] == "approved"
    assert body["case"]["document_url"]
    document = bearer(deciders["road_works"]).get(body["case"]["document_url"])
    assert document.status_code == 200
    assert_conforms("get", "/api/v1/permits/cases/{no}/document", document)  # application/pdf, documented
    assert b"".join(document.streaming_content).startswith(b"%PDF")
    case.refresh_from_db()
    assert case.application.events.filter(type="approval_completed").exists()


def _result(case: ApprovalCase) -> tuple[str, frozenset[str], frozenset[str]]:
    """The case's status, the items refused and the items approved."""
    case.refresh_from_db()
    statuses = dict(case.items.values_list("item_type", "status"))
    refused = frozenset(t for t, s in statuses.items() if s == ItemStatus.REFUSED)
    approved = frozenset(t for t, s in statuses.items() if s == ItemStatus.APPROVED)
    return case.status, refused, approved


def test_departments_acting_in_any_order_give_the_same_case_result(hv_app, cm, deciders, alice, kaili):
    """Three departments in all six orders: a refusal refuses the case whenever it comes (the
    departments after it are told the case has ended, 409); the refused item is the same."""
    decisions = {
        "green_space": ("approve", {}),
        "tree_felling": ("refuse", {"reason": "古树名木不得采伐"}),
        "road_works": ("approve", {"note": "按时恢复路面"}),
    }
    outcomes = set()
    apps = [hv_app] + [submitted(alice, kaili, "hv_single", capacity_kw=Decimal("500")) for _ in range(5)]
    for app, order in zip(apps, itertools.permutations(decisions), strict=True):
        case = open_parallel(app, cm, list(decisions))
        refused_yet = False
        for item_type in order:
            action, body = decisions[item_type]
            response = post_json(bearer(deciders[item_type]), f"{BASE}/items/{item_id(case, item_type)}/{action}", body)
            assert response.status_code == (409 if refused_yet else 200), response.content
            refused_yet = refused_yet or action == "refuse"
        status, refused, _approved = _result(case)
        outcomes.add((status, refused))
        assert case.log.filter(action="case_refused").get().note.endswith("古树名木不得采伐")
    assert outcomes == {("refused", frozenset({"tree_felling"}))}


def test_approvals_in_another_order_give_the_same_approval(hv_app, cm, deciders, alice, kaili):
    items = ["green_space", "road_works", "road_occupation"]
    results = set()
    for app, order in ((hv_app, items), (submitted(alice, kaili, "hv_single"), items[::-1])):
        case = open_parallel(app, cm, items)
        for item_type in order:
            assert (
                post_json(bearer(deciders[item_type]), f"{BASE}/items/{item_id(case, item_type)}/approve").status_code
                == 200
            )
        results.add(_result(case))
    assert results == {("approved", frozenset(), frozenset(items))}


def test_a_supplement_goes_to_the_utility_and_back(case, housing, cm):
    item = item_id(case, "green_space")
    asked = post_json(bearer(housing), f"{BASE}/items/{item}/supplement", {"note": "请补充绿化恢复方案"})
    assert asked.json()["status"] == "supplement_requested"
    answered = bearer(cm).post(
        f"{BASE}/cases/{case.no}/supplement", {"note": "已补充", "materials": [pdf_upload("green.pdf")]}
    )
    assert answered.status_code == 200, answered.content
    body = answered.json()
    assert [m["name"] for m in body["materials"]] == ["route.pdf", "green.pdf"]
    assert case.items.get(pk=item).status == ItemStatus.PENDING
    # Nothing waits any more: a second answer is refused for the state.
    again = bearer(cm).post(f"{BASE}/cases/{case.no}/supplement", {"note": "再补充"})
    assert again.status_code == 409 and again.json()["detail"]


def test_the_utility_opens_a_parallel_case_with_materials_by_multipart(hv_app, cm, transport):
    response = bearer(cm).post(
        f"{BASE}/cases",
        {
            "application": hv_app.no,
            "route": "10kV 营盘东路—客户配电房",
            "route_length_m": "650",
            "voltage_kv": "10",
            "has_wells": "true",
            "crossings": "营盘东路",
            "item_types": ["road_works", "road_occupation"],
            "materials": [pdf_upload("route.pdf"), pdf_upload("plan.pdf")],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["path"] == "parallel" and body["status"] == "open"
    assert [i["item_type"] for i in body["items"]] == ["road_works", "road_occupation"]
    assert len(body["materials"]) == 2
    assert bearer(transport).get(f"{BASE}/items").json()["count"] == 1


def test_a_short_low_voltage_line_is_filed_without_materials(alice, kaili, cm):
    app = submitted(alice, kaili, "lv_general", capacity_kw=Decimal("200"), voltage_kv=Decimal("0.4"))
    response = bearer(cm).post(
        f"{BASE}/cases",
        {
            "application": app.no,
            "route": "0.4kV 接户线",
            "route_length_m": "30",
            "voltage_kv": "0.4",
            "item_types": ["road_works"],
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["path"] == "filing" and response.json()["status"] == "approved"


def test_bad_intake_gets_a_clear_json_error_and_opens_nothing(hv_app, cm):
    client = bearer(cm)
    no_materials = client.post(
        f"{BASE}/cases",
        {
            "application": hv_app.no,
            "route": "r",
            "route_length_m": "800",
            "voltage_kv": "10",
            "item_types": ["road_works"],
        },
    )
    assert no_materials.status_code == 400 and "材料" in no_materials.json()["detail"]
    unsigned = client.post(
        f"{BASE}/cases",
        {
            "application": hv_app.no,
            "route": "r",
            "route_length_m": "200",
            "voltage_kv": "10",
            "item_types": ["road_works"],
        },
    )
    assert unsigned.status_code == 400 and "告知承诺" in unsigned.json()["detail"]
    missing = client.post(f"{BASE}/cases", {"application": hv_app.no, "route": "r"})
    assert missing.status_code == 422 and "item_types" in missing.json()["detail"]
    unknown = client.post(
        f"{BASE}/cases",
        {
            "application": "QDN-2026-999999",
            "route": "r",
            "route_length_m": "80",
            "voltage_kv": "10",
            "item_types": ["road_works"],
        },
    )
    assert unknown.status_code == 404
    assert not ApprovalCase.objects.exists()


def test_state_and_input_errors_are_json(case, housing):
    item = item_id(case, "green_space")
    client = bearer(housing)
    blank = post_json(client, f"{BASE}/items/{item}/refuse", {"reason": ""})
    assert blank.status_code == 422 and blank.json()["detail"]
    not_json = client.post(f"{BASE}/items/{item}/refuse", data="{", content_type="application/json")
    assert not_json.status_code == 400 and not_json.json()["detail"]
    assert post_json(client, f"{BASE}/items/{item}/approve").status_code == 200
    twice = post_json(client, f"{BASE}/items/{item}/refuse", {"reason": "晚了"})
    assert twice.status_code == 409 and twice.json()["detail"]
    early = post_json(client, f"{BASE}/items/{item}/restoration")
    assert early.status_code == 409 and early.json()["detail"]
    assert client.get(f"{BASE}/items/999999").status_code == 404
    assert client.get(f"{BASE}/items", {"status": "nonsense"}).status_code == 422


def test_commitment_completion_and_restoration_close_the_case(alice, kaili, cm, pm, transport, kaili_gov):
    app = submitted(alice, kaili, "hv_single", capacity_kw=Decimal("500"))
    opened = bearer(cm).post(
        f"{BASE}/cases",
        {
            "application": app.no,
            "route": "10kV 短线",
            "route_length_m": "200",
            "voltage_kv": "10",
            "item_types": ["road_works", "road_occupation"],
            "commitment_signed": "true",
        },
    )
    assert opened.status_code == 201, opened.content
    no = opened.json()["no"]
    assert opened.json()["path"] == "commitment" and opened.json()["status"] == "approved"
    # Before energisation the completion cannot be reported.
    early = post_json(bearer(cm), f"{BASE}/cases/{no}/completion")
    assert early.status_code == 409 and early.json()["detail"]
    for stage in ("apply", "plan", "connect"):
        app_services.stage_complete(application=app, stage=stage, actor=pm)
    app.refresh_from_db()
    assert app.status == Status.ENERGISED
    reported = post_json(bearer(cm), f"{BASE}/cases/{no}/completion", {"note": "已完工"})
    assert reported.status_code == 200 and reported.json()["status"] == "restoring"
    assert reported.json()["restoration_due_at"]
    case = ApprovalCase.objects.get(no=no)
    for user, item_type in ((transport, "road_works"), (kaili_gov, "road_occupation")):
        response = post_json(bearer(user), f"{BASE}/items/{item_id(case, item_type)}/restoration", {"note": "已恢复"})
        assert response.status_code == 200, response.content
    assert response.json()["case_status"] == CaseStatus.CLOSED


def test_the_openapi_spec_documents_every_permits_endpoint():
    spec = api.get_openapi_schema()
    expected = {
        ("get", "/api/v1/permits/items"),
        ("get", "/api/v1/permits/items/{item_id}"),
        ("post", "/api/v1/permits/items/{item_id}/approve"),
        ("post", "/api/v1/permits/items/{item_id}/refuse"),
        ("post", "/api/v1/permits/items/{item_id}/supplement"),
        ("post", "/api/v1/permits/items/{item_id}/restoration"),
        ("post", "/api/v1/permits/cases"),
        ("get", "/api/v1/permits/cases/{no}"),
        ("get", "/api/v1/permits/cases/{no}/materials/{pk}"),
        ("get", "/api/v1/permits/cases/{no}/document"),
        ("post", "/api/v1/permits/cases/{no}/supplement"),
        ("post", "/api/v1/permits/cases/{no}/completion"),
        ("post", "/api/v1/permits/cases/{no}/withdraw"),
    }
    found = {(m, p) for p, ops in spec["paths"].items() if p.startswith("/api/v1/permits") for m in ops}
    assert found == expected
    for method, path in expected:
        op = spec["paths"][path][method]
        assert op["summary"] and op["description"], path
        assert {"200", "201"} & set(map(str, op["responses"])), path
        assert {"401", "403"} | ({"404"} if "{" in path else set()) <= set(map(str, op["responses"])), path
        assert op["security"], path
    served = Client().get("/api/v1/openapi.json")
    assert served.status_code == 200 and "/api/v1/permits/items" in served.json()["paths"]


def test_the_item_list_takes_a_fixed_number_of_queries(
    hv_app, cm, transport, alice, kaili, django_assert_max_num_queries
):
    client = bearer(transport)
    open_parallel(hv_app, cm, ["road_works"])
    client.get(f"{BASE}/items")  # the token's last use is written once
    with django_assert_max_num_queries(6) as one:
        assert client.get(f"{BASE}/items").json()["count"] == 1
    queries = len(one.captured_queries)
    for _ in range(3):
        open_parallel(submitted(alice, kaili, "hv_single"), cm, ["road_works", "green_space"])
    with django_assert_max_num_queries(queries):
        assert client.get(f"{BASE}/items").json()["count"] == 4


def test_the_case_takes_a_fixed_number_of_queries(case, housing, cm, django_assert_max_num_queries):
    client = bearer(cm)
    client.get(f"{BASE}/cases/{case.no}")
    with django_assert_max_num_queries(12) as before:
        client.get(f"{BASE}/cases/{case.no}")
    queries = len(before.captured_queries)  # read now: the next request resets the query log
    post_json(bearer(housing), f"{BASE}/items/{item_id(case, 'green_space')}/approve", {"note": "同意"})
    bearer(cm).post(f"{BASE}/cases/{case.no}/supplement", {"note": "x"})  # 409: nothing waits; no change
    with django_assert_max_num_queries(queries):
        body = client.get(f"{BASE}/cases/{case.no}").json()
    assert len(body["items"]) == 5 and len(body["log"]) >= 3
