"""GET /api/v1/reliability/{year}: the command's JSON, for the same people as the dashboard."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client

from bandian.accounts.auth import issue_token
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/reliability/2022"


def bearer(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {issue_token(user)}")


def test_anonymous_gets_401():
    assert Client().get(URL).status_code == 401


@pytest.mark.parametrize("who", ["alice", "department_user"])
def test_applicants_and_department_users_get_403(request, who):
    response = bearer(request.getfixturevalue(who)).get(URL)
    assert response.status_code == 403


def test_it_answers_exactly_what_the_command_prints(supervisor, history):
    response = bearer(supervisor).get(URL)
    assert response.status_code == 200
    out = io.StringIO()
    call_command("reliability", "--from-db", "--year", "2022", stdout=out)
    assert response.json() == json.loads(out.getvalue())
    central = response.json()["by_area"]["central"]
    assert (central["saidi_hours"], central["target_hours"], central["meets_target"]) == (2.25, 1.9, False)


@pytest.mark.parametrize("who", ["cm", "operator", "admin_user"])
def test_staff_read_it_with_their_session_too(request, who, history):
    response = client_for(request.getfixturevalue(who)).get(URL)
    assert response.status_code == 200
    assert response.json()["by_area"]["rural"]["saidi_hours"] == 5.5


def test_a_year_out_of_range_is_refused(supervisor):
    assert bearer(supervisor).get("/api/v1/reliability/1900").status_code == 422
