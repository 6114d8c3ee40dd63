"""Permit item names from the policy, and the approval section of the application page."""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.auth.models import AnonymousUser

from bandian.applications.enums import Status
from bandian.core.text import label
from bandian.permits import rules
from bandian.permits.models import ApprovalCase
from bandian.policy.loader import active_policy

register = template.Library()


@register.filter
def item_label(item_type: str) -> str:
    spec = active_policy().permits.items.get(item_type)
    return label(spec) if spec else item_type


@register.inclusion_tag("permits/_application_section.html", takes_context=True)
def approval_cases(context: dict[str, Any], app: Any) -> dict[str, Any]:
    """The application's approval cases: their status for everyone who sees the application,
    a link to the case for those who may open it, and the intake link for its managers."""
    user = context.get("user") or AnonymousUser()
    cases = list(ApprovalCase.objects.filter(application=app).order_by("opened_at"))
    visible = set(rules.visible_cases(user).filter(application=app).values_list("pk", flat=True)) if cases else set()
    return {
        "app": app,
        "cases": [{"case": c, "link": c.pk in visible} for c in cases],
        "can_open": rules.can_open_case(user, app) and app.status in Status.open_states(),
    }
