"""Who may see and edit the grid model: decided here and nowhere else.

grid_operator (运检人员) edits the grid of their county (no county: the whole prefecture), admins
edit everything; utility staff and supervisors read it; everyone else is refused.
"""

from __future__ import annotations

from bandian.accounts.models import Role
from bandian.accounts.rules import AnyUser, has_role, is_admin

VIEW_ROLES = {Role.CUSTOMER_MANAGER, Role.PROJECT_MANAGER, Role.COUNTER, Role.SUPERVISOR, Role.GRID_OPERATOR}


def is_grid_operator(user: AnyUser) -> bool:
    return has_role(user, Role.GRID_OPERATOR)


def can_view_grid(user: AnyUser) -> bool:
    return is_admin(user) or has_role(user, *VIEW_ROLES)


def can_edit_grid(user: AnyUser) -> bool:
    """May edit some of the grid (what exactly: `can_edit_county`)."""
    return is_admin(user) or is_grid_operator(user)


def can_edit_county(user: AnyUser, county_id: str | None) -> bool:
    """May edit grid rows (and enter outages) of this county."""
    if is_admin(user):
        return True
    if not is_grid_operator(user):
        return False
    own = user.county_id  # type: ignore[union-attr]
    return own is None or own == county_id


def editable_county_ids(user: AnyUser) -> set[str] | None:
    """The counties this user may edit: None means every county, an empty set none."""
    if is_admin(user):
        return None
    if not is_grid_operator(user):
        return set()
    own = user.county_id  # type: ignore[union-attr]
    return None if own is None else {own}
