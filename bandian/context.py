"""The site's template context: what every page shows around its content (the footer's hotlines,
the calendar's horizon banner)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import get_language

from bandian.policy.loader import active_policy
from bandian.workdays.horizon import Horizon, calendar_horizon


def _en() -> bool:
    return (get_language() or "").startswith("en")


def site(request: HttpRequest) -> dict[str, Any]:
    """The hotlines of the policy in force, in the language of the request."""
    en = _en()
    hotlines = [
        {"number": line.number, "name": line.en if en else line.zh, "who": line.who.en if en else line.who.zh}
        for line in active_policy().hotlines
    ]
    return {"hotlines": hotlines, "calendar_horizon": _horizon_banner(request)}


def _horizon_banner(request: HttpRequest) -> Horizon | None:
    """The calendar's horizon for utility staff, supervisors and admins, when it is near (the banner)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    if not (user.is_utility_staff or user.is_supervisor or user.is_bandian_admin):
        return None
    horizon = calendar_horizon()
    return horizon if horizon.warning else None
