"""The site's navigation: which links it shows, decided by each app's rules, like everything else.

It lives at site level, above every app (it asks the rules of the apps highest in the layers),
and is loaded by the templates as the `nav_tags` library (settings.TEMPLATES `libraries`).
"""

from __future__ import annotations

from typing import Any

from django import template

from bandian.accounts.rules import can_supervise
from bandian.applications import rules
from bandian.applications.ratings import rules as rating_rules
from bandian.applications.visits import rules as visit_rules
from bandian.grid import rules as grid_rules
from bandian.notify import rules as notify_rules
from bandian.permits import rules as permit_rules
from bandian.reliability import rules as reliability_rules
from bandian.supervision import rules as supervision_rules

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
        "visits": visit_rules.can_publish_slots(user),
        "rating_follow_ups": rating_rules.handles_follow_ups(user),
        "bad_ratings": rating_rules.can_see_bad_ratings(user),
        "supervise": can_supervise(user),
        "permit_queue": permit_rules.has_permit_queue(user),
        "permits": permit_rules.can_list_cases(user) and not permit_rules.has_permit_queue(user),
        "grid": grid_rules.can_view_grid(user),
        "reliability": reliability_rules.can_view_reliability(user),
        # The responsible units' logins and supervisors: the rectification list.
        "rectifications": supervision_rules.can_view_rectifications(user),
        "notices_failed": notify_rules.can_view_failed(user),
        "notice_channels": notify_rules.can_choose_channels(user),
    }
