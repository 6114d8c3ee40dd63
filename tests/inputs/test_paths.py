"""A NUL byte (or another control character) in a URL path is a 404, on PostgreSQL too, where
comparing text with a NUL made a DataError and a 500."""

from __future__ import annotations

import pytest

from tests.conftest import client_for

PATHS = [
    "/applications/QDN%00/",
    "/applications/QDN%00/documents/",
    "/applications/QDN%01/submit/",
    "/permits/cases/%00/",
    "/permits/open/%00/",
    "/outages/%00/",
    "/outages/%00/steps/",
    "/applications/" + "Q" * 5000 + "/",
]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("who", ["alice", "cm", "supervisor", "admin_user"])
def test_a_control_character_in_a_path_is_not_found(db, request, path, who):
    response = client_for(request.getfixturevalue(who)).get(path)
    assert response.status_code == 404


def test_an_application_is_still_found_by_its_number(alice, kaili):
    from tests.conftest import draft

    app = draft(alice, kaili)
    assert client_for(alice).get(f"/applications/{app.no}/").status_code == 200


@pytest.mark.parametrize("url", ["/accounts/login/", "/django-admin/login/"])
def test_a_sign_in_with_an_overlong_username_is_refused_not_a_500(db, url):
    response = client_for(None).post(url, {"username": "9" * 4301, "password": "x"})
    assert response.status_code in (200, 400, 403, 429)
