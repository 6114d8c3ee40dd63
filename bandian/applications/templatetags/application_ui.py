"""Policy labels in the language of the request."""

from __future__ import annotations

from typing import Any

from django import template

from bandian.core.text import label
from bandian.policy.loader import active_policy

register = template.Library()


@register.filter
def class_label(app: Any) -> str:
    item = active_policy().classes.get(app.customer_class)
    return label(item) if item else app.customer_class


@register.filter
def stage_label(stage: str) -> str:
    item = active_policy().stages.get(stage)
    return label(item) if item else (stage or "—")


@register.filter
def reason_label(reason: str) -> str:
    item = active_policy().pause_reasons.get(reason)
    return label(item) if item else reason


@register.filter
def workdays(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"
