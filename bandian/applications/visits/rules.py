"""Who may do what with visit slots and bookings: decided here and nowhere else."""

from __future__ import annotations

from bandian.accounts.models import Role
from bandian.accounts.rules import AnyUser, acting_as, is_county_staff
from bandian.applications import rules as application_rules
from bandian.applications.models import Application
from bandian.applications.visits.models import Booking, VisitSlot
from bandian.policy.loader import active_policy


def books_visits(app: Application) -> bool:
    """High-voltage applications book the customer manager's survey visit; low-voltage ones do not."""
    rule = active_policy().classes.get(app.customer_class)
    return rule is not None and rule.voltage == "high"


def can_book(user: AnyUser, app: Application) -> bool:
    """Book, move or cancel: the applicant, or the counter clerk who entered the application."""
    return application_rules.can_edit_as_applicant(user, app)


def can_see_slots(user: AnyUser, app: Application) -> bool:
    return application_rules.can_view(user, app)


def can_publish_slots(user: AnyUser) -> bool:
    """Customer managers publish their own slots, in their own county."""
    return is_county_staff(user, roles=frozenset({Role.CUSTOMER_MANAGER}))


def owns_slot(user: AnyUser, slot: VisitSlot) -> bool:
    manager = acting_as(user, Role.CUSTOMER_MANAGER)
    return manager is not None and slot.manager_id == manager.pk and slot.county_id == manager.county_id


def can_confirm(user: AnyUser, booking: Booking) -> bool:
    """The manager whose slot it is confirms it, or cancels it (with a reason)."""
    return owns_slot(user, booking.slot)
