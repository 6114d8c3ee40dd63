"""Who may see and do what with payment orders: decided here and nowhere else.

Fees are counter and customer-manager business (业务收费): the application's county customer
managers and counter clerks issue, cancel and refund orders; project managers, who run the
works, do not. The applicant pays; everyone who may see the application sees its orders.
"""

from __future__ import annotations

from bandian.accounts.models import Role
from bandian.accounts.rules import AnyUser, can_supervise, has_role, is_county_staff
from bandian.applications.models import Application
from bandian.applications.rules import can_view

FEE_ROLES = frozenset({Role.CUSTOMER_MANAGER, Role.COUNTER})


def can_view_orders(user: AnyUser, app: Application) -> bool:
    """The applicant, the county's staff, supervisors and admins: who may see the application."""
    return can_view(user, app)


def can_issue(user: AnyUser, app: Application) -> bool:
    """Issue, cancel and refund: the application's county customer managers and counter clerks."""
    return is_county_staff(user, app.county_id, roles=FEE_ROLES)


def can_pay(user: AnyUser, app: Application) -> bool:
    """Pay online: the applicant whose application it is."""
    return has_role(user, Role.APPLICANT) and app.applicant_id == getattr(user, "pk", None)


def can_see_charges_everywhere(user: AnyUser) -> bool:
    """Supervisors and admins: every zero-investment application that was charged, anywhere."""
    return can_supervise(user)
