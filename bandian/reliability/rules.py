"""Who may see the reliability figures: decided here and nowhere else.

Supervisors, admins and the utility's staff (customer and project managers, counter clerks, grid
operators) read the dashboard and the API; applicants, department users and anyone not signed in
are refused.
"""

from __future__ import annotations

from bandian.accounts.models import Role
from bandian.accounts.rules import AnyUser, has_role, is_admin

VIEW_ROLES = {Role.SUPERVISOR, Role.CUSTOMER_MANAGER, Role.PROJECT_MANAGER, Role.COUNTER, Role.GRID_OPERATOR}


def can_view_reliability(user: AnyUser) -> bool:
    return is_admin(user) or has_role(user, *VIEW_ROLES)
