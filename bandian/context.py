"""The site's template context: what every page shows around its content (the footer's hotlines)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import get_language

from bandian.policy.loader import active_policy


def _en() -> bool:
    return (get_language() or "").startswith("en")


def site(request: HttpRequest) -> dict[str, Any]:
    """The hotlines of the policy in force, in the language of the request."""
    en = _en()
    hotlines = [
        {"number": line.number, "name": line.en if en else line.zh, "who": line.who.en if en else line.who.zh}
        for line in active_policy().hotlines
    ]
    return {"hotlines": hotlines}
