"""Who may see and record outages: decided here and nowhere else.

The grid's rules apply: grid_operator (运检人员, county-scoped; no county = the prefecture) and
admins enter events, restore them and import records; utility staff and supervisors read.
"""

from __future__ import annotations

from bandian.accounts.rules import AnyUser, can_supervise
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


def can_plan_in(user: AnyUser, county_id: str | None) -> bool:
    """May announce, change and cancel planned outages, enter faults and their progress, and
    record rationing orders in this county: its grid operators (and the prefecture's), admins."""
    return grid_rules.can_edit_county(user, county_id)


def can_see_notices(user: AnyUser, county_id: str | None) -> bool:
    """May see the messages of an outage's notices (who was told, by which channel, delivered
    or not): the county's grid operators, supervisors (who read everything), admins."""
    return grid_rules.can_edit_county(user, county_id) or can_supervise(user)


def can_see_rationing(user: AnyUser) -> bool:
    """May list rationing orders and the unauthorised-rationing flags: grid operators, utility
    staff and supervisors (the flags of every county), admins."""
    return grid_rules.can_view_grid(user)
