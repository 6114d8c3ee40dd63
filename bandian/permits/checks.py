"""System checks of the permits app (`manage.py check`, and at start-up)."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Warning, register

from bandian.core.pdf import font_problem


@register()
def cjk_font(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The combined documents of approval cases are PDFs that embed the CJK font."""
    problem = font_problem()
    if problem is None:
        return []
    return [Warning(f"Approval documents cannot be drawn: {problem}.", id="permits.W001")]
