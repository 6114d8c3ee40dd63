"""Login throttling (issue 9.3): after a few wrong passwords for a username, or from an address,
logins are refused for a while with a clear message (429), the right password included; an admin
can unlock. The attempts are rows in the database, so every process sees the same."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from tests.conftest import PASSWORD, client_for

LIMIT = settings.AXES_FAILURE_LIMIT
LOGIN = "/accounts/login/"


def login(username: str, password: str, address: str = "198.51.100.10", client: Client | None = None, **extra):
    return (client or Client()).post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def signed_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.client.session


def test_thirty_wrong_passwords_lock_the_account_and_then_the_right_one_too(alice):
    statuses = [login(alice.username, f"wrong-{n}").status_code for n in range(30)]
    assert statuses[: LIMIT - 1] == [200] * (LIMIT - 1)  # the form again, saying the password is wrong
    assert set(statuses[LIMIT - 1 :]) == {429}
    refused = login(alice.username, PASSWORD)
    assert refused.status_code == 429 and not signed_in(refused)
    page = refused.content.decode()
    assert "登录已暂时锁定" in page and "15 分钟后再试" in page
    assert refused["Retry-After"] == "900"


def test_the_lock_holds_for_the_username_from_any_address_and_for_the_address_with_any_username(alice, bob, mallory):
    for n in range(LIMIT):
        login(alice.username, f"wrong-{n}", address="198.51.100.10")
    # The username, from elsewhere:
    assert login(alice.username, PASSWORD, address="203.0.113.50").status_code == 429
    # The address, with another username:
    assert login(bob.username, PASSWORD, address="198.51.100.10").status_code == 429
    # Someone else, from elsewhere, is not affected.
    assert signed_in(login(mallory.username, PASSWORD, address="203.0.113.51"))


def test_after_the_cool_off_the_right_password_works(alice, clock):
    for n in range(LIMIT):
        login(alice.username, f"wrong-{n}")
    clock.shift(dt.timedelta(minutes=14))
    assert login(alice.username, PASSWORD).status_code == 429
    clock.shift(dt.timedelta(minutes=2))
    assert signed_in(login(alice.username, PASSWORD))


def test_a_successful_login_clears_the_failures(alice):
    for n in range(LIMIT - 1):
        assert login(alice.username, f"wrong-{n}").status_code == 200
    assert signed_in(login(alice.username, PASSWORD))
    for n in range(LIMIT - 1):
        assert login(alice.username, f"wrong-again-{n}").status_code == 200
    assert signed_in(login(alice.username, PASSWORD))


def test_the_failures_are_kept_in_the_database_for_every_process(alice):
    for n in range(LIMIT):
        login(alice.username, f"wrong-{n}")
    attempt = AccessAttempt.objects.get(username=alice.username)
    assert attempt.failures_since_start == LIMIT
    assert PASSWORD not in attempt.post_data and "wrong-1" not in attempt.post_data


def test_an_admin_unlocks_with_the_command(alice):
    for n in range(LIMIT):
        login(alice.username, f"wrong-{n}")
    call_command("axes_reset_username", alice.username, verbosity=0)
    assert signed_in(login(alice.username, PASSWORD, address="203.0.113.60"))


def test_an_admin_sees_and_can_delete_the_lockouts_in_the_admin(alice, admin_user, cm):
    for n in range(LIMIT):
        login(alice.username, f"wrong-{n}")
    url = "/django-admin/axes/accessattempt/"
    page = client_for(admin_user).get(url)
    assert page.status_code == 200 and alice.username in page.content.decode()
    attempt = AccessAttempt.objects.get(username=alice.username)
    deleted = client_for(admin_user).post(f"{url}{attempt.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302 and not AccessAttempt.objects.exists()
    assert signed_in(login(alice.username, PASSWORD, address="203.0.113.61"))


@pytest.mark.parametrize("who", ["anonymous", "cm"])
def test_outsiders_cannot_see_the_lockouts(who, cm, alice):
    login(alice.username, "wrong")
    response = client_for(cm if who == "cm" else None).get("/django-admin/axes/accessattempt/")
    assert response.status_code == 302 and "/django-admin/login/" in response["Location"]


def test_the_admin_login_is_throttled_too(admin_user):
    for n in range(LIMIT):
        Client().post(
            "/django-admin/login/", {"username": "admin", "password": f"wrong-{n}"}, REMOTE_ADDR="198.51.100.20"
        )
    response = Client().post(
        "/django-admin/login/", {"username": "admin", "password": PASSWORD}, REMOTE_ADDR="198.51.100.21"
    )
    assert response.status_code == 429


def test_behind_a_trusted_proxy_one_guesser_does_not_lock_out_the_others(settings, alice, bob):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    for n in range(LIMIT):
        login("13800000999", f"wrong-{n}", address="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.66")
    assert login(bob.username, PASSWORD, address="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.66").status_code == 429
    # Another client behind the same proxy signs in.
    assert signed_in(login(alice.username, PASSWORD, address="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.67"))
