"""Sessions with CSRF for the web pages' own scripts, bearer tokens for terminals."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bandian.accounts.auth import issue_token
from bandian.accounts.models import ApiToken
from tests.api.conftest import BASE, bearer, create_body, post_json
from tests.conftest import client_for


def test_issue_token_prints_a_token_that_is_stored_only_as_its_hash(cm):
    out, err = io.StringIO(), io.StringIO()
    call_command("issue_token", cm.username, "--label", "PDA-007", stdout=out, stderr=err)
    token = out.getvalue().strip()
    assert len(token) > 30
    stored = ApiToken.objects.get(user=cm)
    assert stored.label == "PDA-007"
    assert stored.key_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored.key_hash
    assert "only this once" in err.getvalue()
    me = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/accounts/me")
    assert me.status_code == 200
    assert me.json()["username"] == "cm-kaili"
    assert me.json()["role"] == "customer_manager"
    assert me.json()["county"] == "522601"
    assert me.json()["auth"] == "token"


def test_issue_token_for_an_unknown_user_fails_naming_the_user(db):
    with pytest.raises(CommandError, match="no user named 'nobody'"):
        call_command("issue_token", "nobody")
    assert not ApiToken.objects.exists()


def test_issue_token_exits_non_zero_from_the_command_line(db):
    from django.core.management import execute_from_command_line

    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["manage.py", "issue_token", "nobody"])
    assert exit_info.value.code != 0


def test_each_token_is_different(cm):
    assert issue_token(cm) != issue_token(cm)


def test_anonymous_callers_get_401_with_a_bearer_challenge(db):
    response = Client().get(f"{BASE}/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "Authorization" in response.json()["detail"]


def test_an_unknown_token_is_refused(db):
    response = Client(HTTP_AUTHORIZATION="Bearer bd_not-a-real-token").get(f"{BASE}/")
    assert response.status_code == 401
    assert response.json()["detail"] == "令牌无效或已被吊销"


def test_a_revoked_token_is_refused(cm):
    token = issue_token(cm)
    ApiToken.objects.update(revoked=True)
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(f"{BASE}/queue")
    assert response.status_code == 401


def test_a_revoked_token_is_refused_even_with_a_signed_in_session(cm):
    token = issue_token(cm)
    ApiToken.objects.update(revoked=True)
    client = client_for(cm)
    response = client.get(f"{BASE}/queue", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401


def test_the_token_of_a_deactivated_user_is_refused(cm):
    token = issue_token(cm)
    cm.is_active = False
    cm.save()
    assert Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(f"{BASE}/queue").status_code == 401


def test_last_used_is_recorded_but_not_on_every_request(cm):
    token = issue_token(cm)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), tick=False):
        client.get("/api/v1/accounts/me")
    assert ApiToken.objects.get().last_used_at == dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    with (
        time_machine.travel(dt.datetime(2026, 3, 2, 9, 1, tzinfo=dt.UTC), tick=False),
        CaptureQueriesContext(connection) as queries,
    ):
        client.get("/api/v1/accounts/me")
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert ApiToken.objects.get().last_used_at == dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC), tick=False):
        client.get("/api/v1/accounts/me")
    assert ApiToken.objects.get().last_used_at == dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)


def test_the_session_works_for_the_web_pages_own_scripts_with_csrf(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.get("/api/v1/accounts/me").json()["auth"] == "session"
    refused = post_json(client, f"{BASE}/", create_body())
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    client.get("/api/v1/accounts/me")  # any response: make sure a CSRF cookie exists
    from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret

    secret = _get_new_csrf_string()
    client.cookies["csrftoken"] = secret
    accepted = post_json(client, f"{BASE}/", create_body(), HTTP_X_CSRFTOKEN=_mask_cipher_secret(secret))
    assert accepted.status_code == 201, accepted.json()
    assert accepted.json()["channel"] == "online"


def test_a_bearer_token_needs_no_csrf_token(alice):
    client = bearer(alice)
    client.handler.enforce_csrf_checks = True
    response = post_json(client, f"{BASE}/", create_body())
    assert response.status_code == 201


def test_anonymous_unsafe_requests_get_401_not_a_csrf_error(db):
    response = post_json(Client(enforce_csrf_checks=True), f"{BASE}/", create_body())
    assert response.status_code == 401


def test_revoke_tokens_stops_a_lost_terminal_and_leaves_the_others(cm):
    lost, kept = issue_token(cm, label="PDA-7"), issue_token(cm, label="PDA-8")
    out = io.StringIO()
    call_command("revoke_tokens", cm.username, "--label", "PDA-7", stdout=out)
    assert "revoked 1 token" in out.getvalue()
    assert Client(HTTP_AUTHORIZATION=f"Bearer {lost}").get("/api/v1/accounts/me").status_code == 401
    assert Client(HTTP_AUTHORIZATION=f"Bearer {kept}").get("/api/v1/accounts/me").status_code == 200
    with pytest.raises(CommandError, match="no live token"):
        call_command("revoke_tokens", cm.username, "--label", "PDA-7")
    with pytest.raises(CommandError, match="no user named"):
        call_command("revoke_tokens", "nobody")
