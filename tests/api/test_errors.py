"""Errors are JSON with a clear message and the right status; no input produces a 500.

Hypothesis throws junk at the endpoints: arbitrary JSON values, arbitrary bytes, wrong types,
huge numbers, bad dates, broken multipart. Every answer must be a JSON error below 500.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import BASE, bearer, create_body, post_json
from tests.conftest import submitted

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**20, max_value=10**400)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
junk_strings = st.one_of(
    st.text(),
    st.sampled_from(["\x00", "\ud800", "9" * 400, "2026-02-30T10:00:00+08:00", "0001-01-01T00:00:00+01:00"]),
)
field_values = st.one_of(
    json_values,
    junk_strings,
    st.sampled_from(
        [
            "9999-12-31T23:59:59-23:59",
            "2026-13-01T00:00:00Z",
            "1e309",
            1e308,
            -0.0,
            10**30,
            "NaN",
        ]
    ),
)


def assert_clean_error(response) -> None:
    assert response.status_code < 500, response.content[:500]
    if response.status_code >= 400:
        assert response["Content-Type"].startswith("application/json")
        detail = response.json()["detail"]
        assert isinstance(detail, str) and detail


@pytest.fixture
def world(alice, kaili, cm, pm):
    app = submitted(alice, kaili)
    return {"app": app, "applicant": bearer(alice), "staff": bearer(cm)}


def _every_json_endpoint(world) -> list[tuple[Client, str]]:
    no = world["app"].no
    return [
        (world["applicant"], f"{BASE}/"),
        (world["applicant"], f"{BASE}/{no}/withdraw"),
        (world["staff"], f"{BASE}/{no}/complete-step"),
        (world["staff"], f"{BASE}/{no}/resume"),
        (world["staff"], f"{BASE}/{no}/visit"),
        (world["staff"], f"{BASE}/{no}/cancel"),
    ]


def test_arbitrary_json_bodies_get_clean_errors(world):
    endpoints = _every_json_endpoint(world)

    @FUZZ
    @given(body=json_values, which=st.integers(0, len(endpoints) - 1))
    def check(body: Any, which: int) -> None:
        client, url = endpoints[which]
        assert_clean_error(client.post(url, data=json.dumps(body), content_type="application/json"))

    check()


def test_arbitrary_bytes_get_clean_errors(world):
    endpoints = _every_json_endpoint(world)

    @FUZZ
    @given(
        raw=st.binary(max_size=200),
        which=st.integers(0, len(endpoints) - 1),
        ctype=st.sampled_from(
            ["application/json", "multipart/form-data; boundary=xyz", "multipart/form-data", "text/plain", ""]
        ),
    )
    def check(raw: bytes, which: int, ctype: str) -> None:
        client, url = endpoints[which]
        assert_clean_error(client.generic("POST", url, raw, content_type=ctype))

    check()


def test_create_with_junk_in_each_field_never_crashes(world):
    fields = [*create_body(), "extended_boundary", "extended_boundary_reason", "phone", "id_number"]

    @FUZZ
    @given(field=st.sampled_from(fields), value=field_values)
    def check(field: str, value: Any) -> None:
        body = create_body(**{field: value})
        try:
            payload = json.dumps(body)
        except (ValueError, UnicodeEncodeError):
            return
        assert_clean_error(world["applicant"].post(f"{BASE}/", data=payload, content_type="application/json"))

    check()


def test_field_actions_with_junk_device_times_never_crash(world):
    no = world["app"].no

    @FUZZ
    @given(device_time=field_values, device_id=junk_strings, stage=junk_strings)
    def check(device_time: Any, device_id: str, stage: str) -> None:
        body = {"stage": stage, "device_time": device_time, "device_id": device_id}
        payload = json.dumps(body, ensure_ascii=True)  # lone surrogates travel as \\ud800 escapes
        assert_clean_error(
            world["staff"].post(f"{BASE}/{no}/complete-step", data=payload, content_type="application/json")
        )

    check()


def test_junk_multipart_fields_never_crash(world):
    no = world["app"].no

    @FUZZ
    @given(reason=junk_strings, note=junk_strings, device_time=junk_strings, with_file=st.booleans())
    def check(reason: str, note: str, device_time: str, with_file: bool) -> None:
        data: dict[str, Any] = {"reason": reason, "note": note, "device_time": device_time}
        if with_file:
            data["evidence"] = SimpleUploadedFile("x.bin", b"\x00\x01junk")
        try:
            response = world["staff"].post(f"{BASE}/{no}/pause", data)
        except UnicodeEncodeError:  # the test client cannot even encode a lone surrogate
            return
        assert_clean_error(response)

    check()


def test_junk_path_and_query_values_never_crash(world):
    @FUZZ
    @given(no=st.text(max_size=60), digits=st.text(max_size=8), status=st.text(max_size=12), limit=st.text(max_size=8))
    def check(no: str, digits: str, status: str, limit: str) -> None:
        assert_clean_error(Client().get(f"{BASE}/progress", {"no": no, "phone_last4": digits}))
        assert_clean_error(world["applicant"].get(f"{BASE}/", {"status": status, "limit": limit, "offset": limit}))
        from urllib.parse import quote

        path = quote(no, safe="") or "x"
        assert_clean_error(world["applicant"].get(f"{BASE}/{path}"))
        assert_clean_error(post_json(world["staff"], f"{BASE}/{path}/resume", {}))

    check()


@pytest.mark.parametrize(
    "raw",
    [
        b"{",
        b'{"customer_class": "residential",}',
        b"[1, 2",
        b"\xff\xfe\x00",
        b'{"capacity_kw": 1e999999}',
        b'{"capacity_kw": ' + b"9" * 5000 + b"}",
        b'"just a string"',
        b"null",
    ],
)
def test_malformed_json_is_a_400_or_422_with_a_message(world, raw):
    response = world["applicant"].generic("POST", f"{BASE}/", raw, content_type="application/json")
    assert response.status_code in (400, 422)
    assert response.json()["detail"]


def test_broken_multipart_is_a_400(world):
    no = world["app"].no
    response = world["applicant"].generic(
        "POST",
        f"{BASE}/{no}/documents",
        b'--xyz\r\nContent-Disposition: form-data; name="kind"\r\n\r\nid_card\r\n--xy',
        content_type="multipart/form-data; boundary=xyz",
    )
    assert response.status_code in (400, 422)
    assert response.json()["detail"]
    missing_boundary = world["applicant"].generic(
        "POST", f"{BASE}/{no}/documents", b"abc", content_type="multipart/form-data"
    )
    assert missing_boundary.status_code == 400
    assert "multipart" in missing_boundary.json()["detail"]


def test_a_huge_capacity_is_refused_naming_the_field(world):
    response = post_json(world["applicant"], f"{BASE}/", create_body(capacity_kw=10**30))
    assert response.status_code == 422
    assert "capacity_kw" in response.json()["detail"]


def test_a_nul_character_is_refused_not_passed_to_the_database(world):
    response = post_json(world["applicant"], f"{BASE}/", create_body(address="凯里\x00市"))
    assert response.status_code == 422
    assert "address" in response.json()["detail"]
    assert Client().get(f"{BASE}/progress", {"no": "QDN\x00", "phone_last4": "1234"}).status_code == 422
    assert world["applicant"].get(f"{BASE}/QDN%00").status_code == 404


def test_an_impossible_date_is_422(world):
    no = world["app"].no
    for bad in ("2026-02-30T10:00:00+08:00", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-23:59", "yesterday"):
        response = post_json(world["staff"], f"{BASE}/{no}/complete-step", {"stage": "apply", "device_time": bad})
        assert response.status_code == 422, bad
        assert "device_time" in response.json()["detail"]


def test_an_unknown_application_number_is_a_json_404(world):
    response = world["applicant"].get(f"{BASE}/QDN-2026-999999")
    assert response.status_code == 404
    assert response.json()["detail"] == "没有找到该申请"


def test_the_openapi_schema_and_docs_load_and_list_the_endpoints(db):
    schema = Client().get("/api/v1/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/v1/applications/",
        "/api/v1/applications/progress",
        "/api/v1/applications/queue",
        "/api/v1/applications/{no}",
        "/api/v1/applications/{no}/documents",
        "/api/v1/applications/{no}/submit",
        "/api/v1/applications/{no}/withdraw",
        "/api/v1/applications/{no}/complete-step",
        "/api/v1/applications/{no}/pause",
        "/api/v1/applications/{no}/resume",
        "/api/v1/applications/{no}/visit",
        "/api/v1/applications/{no}/cancel",
        "/api/v1/accounts/me",
    ):
        assert path in paths, path
    schemes = schema.json()["components"]["securitySchemes"]
    assert {"BearerTokenAuth", "SessionCsrfAuth"} <= set(schemes)
    assert paths["/api/v1/applications/progress"]["get"].get("security") in (None, [])
    params = {p["name"]: p for p in paths["/api/v1/applications/progress"]["get"]["parameters"]}
    assert params["phone_last4"]["schema"]["pattern"] == "^[0-9]{4}$" and params["no"]["required"]
    docs = Client().get("/api/v1/docs")
    assert docs.status_code == 200
    assert b"openapi.json" in docs.content
