"""The client's address behind a proxy (issue 9.5): X-Forwarded-For is believed only from the
proxies in TRUSTED_PROXIES, read from the right; every limit keys on the result."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from bandian.applications.progress import PROGRESS_FAILURES_PER_CLIENT
from bandian.core.clientip import client_ip
from tests.api.test_progress import progress
from tests.conftest import submitted


def _ip(remote: str, forwarded: str | None = None) -> str:
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_ip(RequestFactory().get("/", REMOTE_ADDR=remote, **extra))


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert _ip("198.51.100.4", "203.0.113.9") == "198.51.100.4"


def test_from_a_trusted_proxy_the_right_most_untrusted_address_is_the_client(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]
    # nginx on the host (127.0.0.1) behind a load balancer (10.1.2.3); the client forged a first entry.
    assert _ip("127.0.0.1", "6.6.6.6, 203.0.113.9, 10.1.2.3") == "203.0.113.9"
    assert _ip("127.0.0.1", "203.0.113.9") == "203.0.113.9"
    assert _ip("127.0.0.1", " 2001:db8::1 ") == "2001:db8::1"


def test_a_request_not_from_a_trusted_proxy_cannot_choose_its_address(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    assert _ip("198.51.100.4", "203.0.113.9") == "198.51.100.4"


@pytest.mark.parametrize("forwarded", ["", "not-an-address", "203.0.113.9, garbage"])
def test_a_trusted_proxy_that_added_no_address_stands_for_the_client(settings, forwarded):
    # nginx always appends the address it saw: a header ending otherwise was not written by it.
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    assert _ip("127.0.0.1", forwarded) == "127.0.0.1"


def test_behind_the_proxy_one_guesser_does_not_lock_out_everyone(settings, alice, kaili, cm, pm):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    app = submitted(alice, kaili)
    for n in range(PROGRESS_FAILURES_PER_CLIENT):
        progress(f"QDN-2026-{n:06d}x", "1234", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.66")
    # The guesser is stopped, whatever it writes into the header itself...
    assert progress(app.no, "0001", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.66").status_code == 429
    forged = progress(app.no, "0001", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.66")
    assert forged.status_code == 429
    # ...while another client behind the same proxy is served.
    assert progress(app.no, "0001", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.67").status_code == 200


def test_without_a_trusted_proxy_a_forged_header_does_not_escape_the_limit(settings, alice, kaili, cm, pm):
    settings.TRUSTED_PROXIES = []
    app = submitted(alice, kaili)
    for n in range(PROGRESS_FAILURES_PER_CLIENT):
        progress(f"QDN-2026-{n:06d}x", "1234", REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_FOR=f"10.9.{n}.1")
    assert progress(app.no, "0001", REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 429
