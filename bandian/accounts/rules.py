"""Who a user is, as every app's rules ask it: the role predicates, decided here once.

Each app's `rules.py` decides what a user may do with that app's objects, from these.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from bandian.accounts.models import Role, User

AnyUser = User | AnonymousUser

# The utility's staff of a county: they work on that county's applications and nothing else's.
COUNTY_ROLES = frozenset({Role.CUSTOMER_MANAGER, Role.PROJECT_MANAGER, Role.COUNTER})


def active_user(user: AnyUser) -> User | None:
    """The user if signed in and active."""
    return user if isinstance(user, User) and user.is_active else None


def acting_as(user: AnyUser, *roles: str) -> User | None:
    """The signed-in, active user if they have one of these roles."""
    active = active_user(user)
    return active if active is not None and active.role in roles else None


def has_role(user: AnyUser, *roles: str) -> bool:
    return acting_as(user, *roles) is not None


def is_admin(user: AnyUser) -> bool:
    active = active_user(user)
    return active is not None and (active.is_superuser or active.role == Role.ADMIN)


def can_supervise(user: AnyUser) -> bool:
    """Supervisors (who read everything and change nothing) and admins."""
    return has_role(user, Role.SUPERVISOR) or is_admin(user)


def is_county_staff(user: AnyUser, county_id: str | None = None, *, roles: frozenset[str] = COUNTY_ROLES) -> bool:
    """Staff in one of these roles with a county; with `county_id`, of that county."""
    staff = acting_as(user, *roles)
    if staff is None or staff.county_id is None:
        return False
    return county_id is None or staff.county_id == county_id


def signed_in_user(request: HttpRequest) -> User:
    """The user of a request that `login_required` let through."""
    assert isinstance(request.user, User)
    return request.user
