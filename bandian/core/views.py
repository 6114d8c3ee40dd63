"""What the pages of every app share."""

from __future__ import annotations

from django.http import HttpRequest


def is_htmx(request: HttpRequest) -> bool:
    """A request made by htmx (answered with a fragment rather than a page)."""
    return bool(getattr(request, "htmx", False))
