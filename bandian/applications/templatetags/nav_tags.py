"""Which links the navigation shows: decided by the rules, like everything else."""

from __future__ import annotations

from typing import Any

from django import template

from bandian.applications import rules
from bandian.grid import rules as grid_rules
from bandian.permits import rules as permit_rules
from bandian.reliability import rules as reliability_rules

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_links(context: dict[str, Any]) -> dict[str, bool]:
    user = context.get("user")
    if user is None:
        return {}
    return {
        "apply": rules.can_apply(user),
        "mine": rules.can_apply(user) or rules.can_enter_for_others(user),
        "enter": rules.can_enter_for_others(user),
        "queue": rules.has_work_queue(user),
        "supervise": rules.can_supervise(user),
        "permit_queue": permit_rules.has_permit_queue(user),
        "permits": permit_rules.can_list_cases(user) and not permit_rules.has_permit_queue(user),
        "grid": grid_rules.can_view_grid(user),
        "reliability": reliability_rules.can_view_reliability(user),
    }
