"""The role matrix of the API: every endpoint with the users allowed and the outsiders refused.

Refusals: anonymous or a revoked token → 401; a user who may see the application but not do
this → 403; a user who may not see it (another applicant, staff of another county) → 404.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from bandian.accounts.auth import issue_token
from bandian.accounts.models import ApiToken
from bandian.applications.models import Application
from tests.api.conftest import BASE, bearer, create_body, post_json
from tests.conftest import PDF, client_for, submitted

READ, APPLICANT, HANDLE, VISIT = "read", "applicant", "handle", "visit"

ENDPOINTS: list[tuple[str, str, str, Any]] = [
    ("GET", "", READ, None),
    ("POST", "/documents", APPLICANT, "multipart"),
    ("POST", "/submit", APPLICANT, None),
    ("POST", "/withdraw", APPLICANT, {"note": "不需要了"}),
    ("POST", "/complete-step", HANDLE, {"stage": "apply"}),
    ("POST", "/pause", HANDLE, "pause-form"),
    ("POST", "/resume", HANDLE, {}),
    ("POST", "/visit", VISIT, {"note": "客户到场"}),
    ("POST", "/cancel", HANDLE, {"reason": "客户要求取消"}),
]

# Who may do what, for an application of alice's in Kaili.
ALLOWED = {
    "alice": {READ, APPLICANT},
    "cm": {READ, HANDLE, VISIT},
    "pm": {READ, HANDLE, VISIT},
    "counter": {READ, VISIT},
    "supervisor": {READ},
    "admin_user": {READ},
    "mallory": set(),
    "cm_elsewhere": set(),
}
INVISIBLE = {"mallory", "cm_elsewhere"}
STAFF = {"cm", "pm", "counter", "cm_elsewhere"}


def call(client: Client, method: str, url: str, body: Any):
    if method == "GET":
        return client.get(url)
    if body == "multipart":
        return client.post(url, {"kind": "id_card", "file": SimpleUploadedFile("a.pdf", PDF)})
    if body == "pause-form":
        return client.post(url, {"reason": "customer_works", "note": "自建工程施工中"})
    return post_json(client, url, body)


@pytest.fixture
def case(alice, kaili, cm, pm, counter, cm_elsewhere, supervisor, admin_user, mallory) -> dict[str, Any]:
    app = submitted(alice, kaili)
    users = {
        "alice": alice,
        "cm": cm,
        "pm": pm,
        "counter": counter,
        "supervisor": supervisor,
        "admin_user": admin_user,
        "mallory": mallory,
        "cm_elsewhere": cm_elsewhere,
    }
    return {"app": app, "users": users}


@pytest.mark.parametrize("method,suffix,kind,body", ENDPOINTS, ids=[e[1] or "/detail" for e in ENDPOINTS])
@pytest.mark.parametrize("who", sorted(ALLOWED))
def test_role_matrix(case, who, method, suffix, kind, body):
    app: Application = case["app"]
    user = case["users"][who]
    # Staff as their terminals call (token), the others as the web pages' scripts do (session).
    client = bearer(user) if who in STAFF else client_for(user)
    before = Application.objects.get(pk=app.pk).event_count
    response = call(client, method, f"{BASE}/{app.no}{suffix}", body)
    assert response.status_code < 500
    if kind in ALLOWED[who]:
        assert response.status_code not in (401, 403, 404), response.json()
    else:
        expected = 404 if who in INVISIBLE else 403
        assert response.status_code == expected, response.json()
        assert response.json()["detail"]
        assert Application.objects.get(pk=app.pk).event_count == before


@pytest.mark.parametrize("method,suffix,kind,body", ENDPOINTS, ids=[e[1] or "/detail" for e in ENDPOINTS])
def test_anonymous_callers_and_revoked_tokens_get_401_everywhere(case, method, suffix, kind, body):
    app: Application = case["app"]
    token = issue_token(case["users"]["cm"])
    ApiToken.objects.filter(user=case["users"]["cm"]).update(revoked=True)
    for client in (Client(), Client(HTTP_AUTHORIZATION=f"Bearer {token}")):
        response = call(client, method, f"{BASE}/{app.no}{suffix}", body)
        assert response.status_code == 401
        assert response.json()["detail"]
    assert Application.objects.get(pk=app.pk).event_count == app.event_count


@pytest.mark.parametrize(
    "method,url,body",
    [
        ("GET", f"{BASE}/", None),
        ("GET", f"{BASE}/queue", None),
        ("POST", f"{BASE}/", create_body()),
        ("GET", "/api/v1/accounts/me", None),
    ],
)
def test_the_other_endpoints_need_a_login_too(db, method, url, body):
    response = call(Client(), method, url, body)
    assert response.status_code == 401


def test_supervisors_and_admins_read_every_county(case, supervisor, admin_user, alice):
    from bandian.accounts.models import County

    elsewhere = submitted(alice, County.objects.get(pk="522622"), address="黄平县 1 号")
    for user in (supervisor, admin_user):
        listed = {item["no"] for item in client_for(user).get(f"{BASE}/").json()["items"]}
        assert {case["app"].no, elsewhere.no} <= listed
        assert client_for(user).get(f"{BASE}/{elsewhere.no}").status_code == 200


def test_staff_list_only_their_countys_applications(case, cm_elsewhere, alice):
    from bandian.accounts.models import County

    elsewhere = submitted(alice, County.objects.get(pk="522622"), address="黄平县 1 号")
    listed = [item["no"] for item in client_for(cm_elsewhere).get(f"{BASE}/").json()["items"]]
    assert listed == [elsewhere.no]


def test_counter_staff_act_as_applicant_only_for_what_they_entered(case, counter, kaili):
    app = case["app"]  # alice's own, online
    client = client_for(counter)
    assert post_json(client, f"{BASE}/{app.no}/withdraw", {}).status_code == 403
