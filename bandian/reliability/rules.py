"""Who may see the reliability figures: decided here and nowhere else.

Supervisors, admins and the utility's staff (customer and project managers, counter clerks, grid
operators) read the dashboard and the API; applicants, department users and anyone not signed in
are refused.
"""

from __future__ import annotations

from bandian.accounts.models import Role, User
from bandian.applications.rules import AnyUser, is_admin

VIEW_ROLES = {Role.SUPERVISOR, Role.CUSTOMER_MANAGER, Role.PROJECT_MANAGER, Role.COUNTER, Role.GRID_OPERATOR}


def can_view_reliability(user: AnyUser) -> bool:
    if not isinstance(user, User) or not user.is_active:
        return False
    return is_admin(user) or user.role in VIEW_ROLES
