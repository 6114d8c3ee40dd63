"""Who may do what with the outbox: decided here once, for the pages and the API.

A county's grid operators (运检人员) see the notices that did not reach their county's customers
(a grid operator without a county: every county, as for the grid); supervisors and admins read
every county's. Applicants choose the channels they are notified by.
"""

from __future__ import annotations

from bandian.accounts.models import Role
from bandian.accounts.rules import AnyUser, acting_as, can_supervise, has_role

# No county restriction (every county).
EVERY_COUNTY = None


def can_view_failed(user: AnyUser) -> bool:
    return can_supervise(user) or has_role(user, Role.GRID_OPERATOR)


def failed_scope(user: AnyUser) -> str | None:
    """The county whose failed messages this user sees; `EVERY_COUNTY` for all of them. Ask
    `can_view_failed` first."""
    operator = acting_as(user, Role.GRID_OPERATOR)
    if operator is not None and not can_supervise(user):
        return operator.county_id
    return EVERY_COUNTY


def can_choose_channels(user: AnyUser) -> bool:
    return has_role(user, Role.APPLICANT)
