"""Login throttling with django-axes: the refusal a locked-out login gets.

Every password login goes through Django's `authenticate` with the request (the login page and
the admin's), so the backend below sees it; the API takes no passwords (sessions and bearer
tokens only), so there is nothing there to throttle. See AXES_* in settings.
"""

from __future__ import annotations

import math
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class LoginThrottleBackend(AxesStandaloneBackend):
    """Refuses a login for a username or address with too many recent failures.

    An `authenticate` without a request (a script, the test client's `login`) is not a web
    login and has no address to count by: it is let through to the next backend."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> None:  # type: ignore[override]
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """429 with the page saying how long to wait, and Retry-After for programs."""
    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else 0
    response = render(request, "accounts/locked_out.html", {"minutes": math.ceil(seconds / 60)}, status=429)
    if seconds:
        response["Retry-After"] = str(seconds)
    return response


def attempt_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    """The username a failed attempt is counted under, cut to what a username may be (150
    characters): axes stores it in a 255-character column, and a longer one made a DataError
    (a 500) on PostgreSQL."""
    source = credentials if credentials else request.POST
    username = source.get("username")
    return None if username is None else str(username)[:150]
