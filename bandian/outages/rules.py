"""Who may see and record outages: decided here and nowhere else.

The grid's rules apply: grid_operator (运检人员, county-scoped; no county = the prefecture) and
admins enter events, restore them and import records; utility staff and supervisors read.
"""

from __future__ import annotations

from bandian.accounts.rules import AnyUser
from bandian.grid import rules as grid_rules
from bandian.outages.models import OutageEvent


def can_view_outages(user: AnyUser) -> bool:
    return grid_rules.can_view_grid(user)


def can_record_outages(user: AnyUser) -> bool:
    """May enter events and import records (of the counties in `recordable_county_ids`)."""
    return grid_rules.can_edit_grid(user)


def can_record_event(user: AnyUser, event: OutageEvent) -> bool:
    """May add restoration steps to this event and close it."""
    return grid_rules.can_edit_county(user, event.county_id)


def recordable_county_ids(user: AnyUser) -> set[str] | None:
    """None: every county; otherwise only these."""
    return grid_rules.editable_county_ids(user)
