"""/api/v1/openapi.json says what the API really answers: other systems are built from it.

What the schemathesis pass of docs/api.md ("Hostile input") checks, held without schemathesis:
every operation documents the errors its authentication and validation give, every answer its
content type and every error the error shape; a few real requests of each kind answer only
documented statuses, content types and shapes (tests/api/openapi_check.py).
"""

from __future__ import annotations

import json
from typing import Any

from django.test import Client
from pydantic import BaseModel

from bandian.applications.models import Application
from tests.api.conftest import BASE, bearer, create_body, post_json
from tests.api.openapi_check import assert_conforms, document, operations, resolve
from tests.conftest import client_for, submitted

# Any signed-in caller may call these: there is no role to refuse (the list is the caller's own).
OPEN_TO_EVERY_CALLER = {("get", "/api/v1/accounts/me"), ("get", "/api/v1/applications/")}
# Their parameters are read by the disclosure code, which answers a bad one 400 (docs/api.md).
READ_BY_HAND_400 = {
    ("get", "/api/v1/public/capacity"),
    ("get", "/api/v1/public/statistics"),
    ("get", "/api/v1/public/outages"),
    ("get", "/api/v1/public/ratings"),
}
# A path parameter that names no object: nothing to be not found.
NOT_AN_OBJECT = {"year"}


def _constrained(parameter: dict[str, Any]) -> bool:
    """A parameter some input fails: anything but a plain string."""
    schema = resolve(parameter.get("schema", {}))
    branches = [resolve(s) for s in schema.get("anyOf", [schema])]
    return any(
        b.get("type") not in ("string", "null") or set(b) & {"pattern", "enum", "minLength", "maxLength", "format"}
        for b in branches
    )


def _missing(method: str, path: str, op: dict[str, Any]) -> set[int]:
    needed: set[int] = {414}
    parameters = op.get("parameters", [])
    if op.get("security"):
        needed.add(401)
        if method != "get" or (method, path) not in OPEN_TO_EVERY_CALLER:
            needed.add(403)  # a role the rules refuse; a session's unsafe request without CSRF
    if "requestBody" in op:
        needed |= {400, 422}  # malformed JSON or multipart; a field missing or of the wrong type
    if any(_constrained(p) for p in parameters):
        needed.add(400 if (method, path) in READ_BY_HAND_400 else 422)
    if any(p["in"] == "path" and p["name"] not in NOT_AN_OBJECT for p in parameters):
        needed.add(404)
    return needed - {int(status) for status in op["responses"]}


def test_every_operation_documents_the_errors_its_auth_and_validation_give(db):
    missing = {f"{m.upper()} {p}": sorted(s) for m, p, op in operations() if (s := _missing(m, p, op))}
    assert not missing, missing
    assert len(operations()) >= 59


def test_every_answer_has_its_content_type_and_every_error_the_error_shape(db):
    problems = []
    for method, path, op in operations():
        for status, answer in op["responses"].items():
            where = f"{method.upper()} {path} {status}"
            content = resolve(answer).get("content")
            if not content:
                problems.append(f"{where}: no content type")
            elif status == "414":  # the web server's, before bandian
                assert set(content) == {"text/html"}, where
            elif int(status) >= 400:
                if set(content) != {"application/json"}:
                    problems.append(f"{where}: {set(content)}")
                    continue
                schema = resolve(content["application/json"]["schema"])
                shapes = [resolve(s) for s in schema.get("anyOf", [schema])]
                if not all("detail" in s.get("required", []) for s in shapes):
                    problems.append(f"{where}: not the error shape")
                if status == "422" and not all("errors" in s.get("required", []) for s in shapes):
                    problems.append(f"{where}: 422 without its errors")
    assert not problems, "\n".join(problems)


def test_the_downloads_document_their_media_types(db):
    paths = document()["paths"]
    assert set(paths[f"{BASE}/{{no}}/contract"]["get"]["responses"]["200"]["content"]) == {"application/pdf"}
    assert set(paths["/api/v1/permits/cases/{no}/document"]["get"]["responses"]["200"]["content"]) == {
        "application/pdf"
    }
    assert set(paths["/api/v1/permits/cases/{no}/materials/{pk}"]["get"]["responses"]["200"]["content"]) == {
        "application/pdf",
        "image/jpeg",
        "image/png",
    }


def test_the_parameters_read_by_hand_are_documented(db):
    paths = document()["paths"]
    names = {p: {x["name"] for x in paths[p]["get"].get("parameters", [])} for _m, p in READ_BY_HAND_400}
    assert names == {
        "/api/v1/public/capacity": {"county"},
        "/api/v1/public/statistics": {"year", "county"},
        "/api/v1/public/outages": {"county", "from", "to"},
        "/api/v1/public/ratings": {"year"},
    }


def test_representative_answers_are_documented(alice, kaili, cm, pm, supervisor):
    app: Application = submitted(alice, kaili)
    no = app.no
    applicant, staff, watcher, anonymous = bearer(alice), bearer(cm), bearer(supervisor), Client()
    step = {"stage": "apply", "note": "", "device_time": "2026-03-02T10:00:00+08:00", "device_id": "t1"}
    calls: list[tuple[Client, str, str, str, dict[str, Any] | str | None, int]] = [
        # (who, method, documented path, the URL, JSON body, the status expected)
        (anonymous, "get", f"{BASE}/", f"{BASE}/", None, 401),
        (anonymous, "post", f"{BASE}/", f"{BASE}/", create_body(), 401),
        (applicant, "post", f"{BASE}/", f"{BASE}/", "{not json", 400),
        (applicant, "post", f"{BASE}/", f"{BASE}/", {"county": "522601"}, 422),
        (applicant, "get", f"{BASE}/{{no}}", f"{BASE}/{no}", None, 200),
        (applicant, "get", f"{BASE}/{{no}}", f"{BASE}/QDN-2026-999999", None, 404),
        (applicant, "post", f"{BASE}/{{no}}/complete-step", f"{BASE}/{no}/complete-step", step, 403),
        (staff, "post", f"{BASE}/{{no}}/complete-step", f"{BASE}/{no}/complete-step", {}, 422),
        (applicant, "get", f"{BASE}/queue", f"{BASE}/queue", None, 403),
        (staff, "get", f"{BASE}/queue", f"{BASE}/queue?limit=0", None, 422),
        (staff, "get", "/api/v1/supervision/compliance", "/api/v1/supervision/compliance?year=2026", None, 403),
        (watcher, "get", "/api/v1/supervision/compliance", "/api/v1/supervision/compliance", None, 422),
        (watcher, "get", "/api/v1/supervision/compliance", "/api/v1/supervision/compliance?year=2026", None, 200),
        (watcher, "get", "/api/v1/supervision/contractors", "/api/v1/supervision/contractors?flagged=x", None, 422),
        (staff, "get", "/api/v1/reliability/{year}", "/api/v1/reliability/null", None, 422),
        (applicant, "get", "/api/v1/reliability/{year}", "/api/v1/reliability/2026", None, 403),
        (anonymous, "get", "/api/v1/policy", "/api/v1/policy", None, 200),
        (anonymous, "get", f"{BASE}/progress", f"{BASE}/progress", None, 422),
        (anonymous, "get", f"{BASE}/progress", f"{BASE}/progress?no={no}&phone_last4=0001", None, 200),
        (anonymous, "get", "/api/v1/public/statistics", "/api/v1/public/statistics?bogus=1", None, 400),
        (anonymous, "get", "/api/v1/public/outages", "/api/v1/public/outages?from=2026-02-30", None, 400),
        (anonymous, "get", "/api/v1/public/fees", "/api/v1/public/fees", None, 200),
    ]
    for client, method, path, url, body, expected in calls:
        if method == "get":
            response = client.get(url)
        elif isinstance(body, str):
            response = client.post(url, data=body, content_type="application/json")
        else:
            response = post_json(client, url, body)
        assert response.status_code == expected, (url, response.content[:300])
        assert_conforms(method, path, response)


def test_a_session_without_its_csrf_token_is_a_documented_403(alice, kaili):
    app = submitted(alice, kaili)
    browser = client_for(alice)
    browser.handler.enforce_csrf_checks = True
    response = post_json(browser, f"{BASE}/{app.no}/withdraw", {"note": ""})
    assert response.status_code == 403
    assert_conforms("post", f"{BASE}/{{no}}/withdraw", response)


def test_a_method_the_path_does_not_take_is_a_json_405_like_the_other_errors(alice, kaili):
    app = submitted(alice, kaili)
    browser = Client(enforce_csrf_checks=True)  # as a real client: no CSRF check comes first
    for client, method, url, allowed in [
        (browser, "put", "/api/v1/policy", "GET"),
        (browser, "post", f"{BASE}/progress?no={app.no}&phone_last4=0001", "GET"),  # the fast route
        (browser, "delete", f"{BASE}/progress", "GET"),
        (bearer(alice), "delete", f"{BASE}/{app.no}", "GET"),
        (bearer(alice), "get", f"{BASE}/{app.no}/visit-booking", "DELETE, POST"),
    ]:
        response = getattr(client, method)(url)
        assert response.status_code == 405, url
        assert response["Allow"] == allowed
        assert response["Content-Type"].startswith("application/json")
        assert set(json.loads(response.content)) == {"detail"} and method.upper() in response.json()["detail"]


def test_no_two_models_share_a_name_in_the_document(db):
    # ninja names a component after its class and keeps the last one of a name: the progress
    # query's answer was documented as the outages' ProgressOut, the applications' withdrawal
    # body as the permits' WithdrawIn.
    import bandian.urls  # noqa: F401  (every router and its models)

    found: dict[str, set[str]] = {}

    def walk(cls: type[BaseModel]) -> None:
        for sub in cls.__subclasses__():
            if sub.__module__.startswith("bandian."):
                found.setdefault(sub.__name__, set()).add(f"{sub.__module__}.{sub.__qualname__}")
            walk(sub)

    walk(BaseModel)
    assert {name: where for name, where in found.items() if len(where) > 1} == {}
    schemas = document()["components"]["schemas"]
    assert "note" in schemas["WithdrawIn"]["properties"] and "reason" in schemas["CaseWithdrawIn"]["required"]
