"""Every endpoint refuses outsiders: anonymous 401, an applicant 403, another department 404."""

from __future__ import annotations

import pytest
from django.test import Client

from bandian.permits.models import ItemStatus
from tests.api.openapi_check import assert_conforms
from tests.conftest import pdf_upload
from tests.permits_api.conftest import BASE, bearer, item_id, post_json


def _endpoints(case) -> list[tuple[str, str, dict]]:
    item = item_id(case, "green_space")
    material = case.materials.first().pk
    no = case.no
    return [
        ("get", f"{BASE}/items", {}),
        ("get", f"{BASE}/items/{item}", {}),
        ("post", f"{BASE}/items/{item}/approve", {}),
        ("post", f"{BASE}/items/{item}/refuse", {"reason": "绿地不能占用"}),
        ("post", f"{BASE}/items/{item}/supplement", {"note": "请补充绿化恢复方案"}),
        ("post", f"{BASE}/items/{item}/restoration", {}),
        ("get", f"{BASE}/cases/{no}", {}),
        ("get", f"{BASE}/cases/{no}/materials/{material}", {}),
        ("get", f"{BASE}/cases/{no}/document", {}),
        ("post", f"{BASE}/cases/{no}/completion", {}),
        ("post", f"{BASE}/cases/{no}/withdraw", {"reason": "线路改线"}),
    ]


def _call(client: Client, method: str, url: str, body: dict):
    return client.get(url) if method == "get" else post_json(client, url, body)


def _form_endpoints(case) -> list[tuple[str, dict]]:
    return [
        (
            f"{BASE}/cases",
            {
                "application": case.application.no,
                "route": "r",
                "route_length_m": "800",
                "voltage_kv": "10",
                "item_types": ["green_space"],
            },
        ),
        (f"{BASE}/cases/{case.no}/supplement", {"note": "补充"}),
    ]


def _assert_json_error(response, status: int) -> None:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


def test_anonymous_callers_get_401_everywhere(case):
    for method, url, body in _endpoints(case):
        _assert_json_error(_call(Client(), method, url, body), 401)
    for url, data in _form_endpoints(case):
        _assert_json_error(Client().post(url, data), 401)


def test_a_revoked_or_wrong_token_gets_401(case):
    client = Client(HTTP_AUTHORIZATION="Bearer bd_not-a-token")
    _assert_json_error(client.get(f"{BASE}/items"), 401)


def test_an_applicant_gets_403_everywhere_even_on_their_own_application(case, alice):
    client = bearer(alice)
    for method, url, body in _endpoints(case):
        _assert_json_error(_call(client, method, url, body), 403)
    for url, data in _form_endpoints(case):
        _assert_json_error(client.post(url, data), 403)
    case.refresh_from_db()
    assert set(case.items.values_list("status", flat=True)) == {ItemStatus.PENDING}


def test_another_county_government_gets_404_on_the_case_and_its_items(case, huangping_gov):
    client = bearer(huangping_gov)
    for method, url, body in _endpoints(case):
        if url == f"{BASE}/items":
            response = client.get(url)
            assert response.status_code == 200 and response.json()["count"] == 0
            continue
        # Reporting completion and withdrawing are the utility's: any department is refused for its role.
        expected = 403 if url.endswith(("/completion", "/withdraw")) else 404
        _assert_json_error(_call(client, method, url, body), expected)


def test_a_department_cannot_see_or_decide_another_departments_item(case, transport):
    client = bearer(transport)
    other = item_id(case, "green_space")
    _assert_json_error(client.get(f"{BASE}/items/{other}"), 404)
    _assert_json_error(post_json(client, f"{BASE}/items/{other}/approve"), 404)
    _assert_json_error(post_json(client, f"{BASE}/items/{other}/refuse", {"reason": "x"}), 404)
    assert case.items.get(pk=other).status == ItemStatus.PENDING


def test_a_department_only_sees_its_own_items_and_log_on_the_case(case, transport, housing):
    post_json(bearer(housing), f"{BASE}/items/{item_id(case, 'green_space')}/refuse", {"reason": "绿地保护"})
    body = bearer(transport).get(f"{BASE}/cases/{case.no}").json()
    assert [i["item_type"] for i in body["items"]] == ["road_works"]
    assert all(entry["item_id"] in (None, item_id(case, "road_works")) for entry in body["log"])


def test_utility_staff_of_another_county_get_404_and_a_counter_clerk_403(case, cm_elsewhere, counter):
    _assert_json_error(bearer(cm_elsewhere).get(f"{BASE}/cases/{case.no}"), 404)
    _assert_json_error(post_json(bearer(cm_elsewhere), f"{BASE}/cases/{case.no}/completion"), 404)
    # The counter clerk reads the county's cases but acts for nobody.
    assert bearer(counter).get(f"{BASE}/cases/{case.no}").status_code == 200
    _assert_json_error(post_json(bearer(counter), f"{BASE}/cases/{case.no}/completion"), 403)
    _assert_json_error(
        bearer(counter).post(
            f"{BASE}/cases",
            {
                "application": case.application.no,
                "route": "r",
                "route_length_m": "30",
                "voltage_kv": "0.4",
                "item_types": ["road_works"],
                "materials": [pdf_upload()],
            },
        ),
        403,
    )


def test_utility_staff_cannot_decide_an_item(case, cm):
    _assert_json_error(post_json(bearer(cm), f"{BASE}/items/{item_id(case, 'green_space')}/approve"), 403)


def test_supervisors_read_but_do_not_act(case, supervisor):
    client = bearer(supervisor)
    assert client.get(f"{BASE}/cases/{case.no}").status_code == 200
    assert client.get(f"{BASE}/items/{item_id(case, 'road_works')}").status_code == 200
    _assert_json_error(post_json(client, f"{BASE}/items/{item_id(case, 'road_works')}/approve"), 403)
    _assert_json_error(client.get(f"{BASE}/items"), 403)


@pytest.mark.parametrize("who", ["housing", "cm", "supervisor"])
def test_the_material_downloads_for_those_concerned(case, who, request):
    user = request.getfixturevalue(who)
    material = case.materials.first()
    response = bearer(user).get(f"{BASE}/cases/{case.no}/materials/{material.pk}")
    assert response.status_code == 200
    assert_conforms("get", "/api/v1/permits/cases/{no}/materials/{pk}", response)  # its media type, documented
    assert b"".join(response.streaming_content).startswith(b"%PDF")
