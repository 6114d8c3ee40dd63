"""Who may rate, follow up a 差评 and see the 差评: decided here and nowhere else."""

from __future__ import annotations

from bandian.accounts.models import Role
from bandian.accounts.rules import AnyUser, acting_as, can_supervise, is_county_staff
from bandian.applications import rules as application_rules
from bandian.applications.models import Application
from bandian.applications.ratings.models import FollowUp

# The county's customer service that calls a 差评 back and records the rectification: the
# counter (营业厅), not the managers whose service was rated.
FOLLOW_UP_ROLES = frozenset({Role.COUNTER})


def can_rate(user: AnyUser, app: Application) -> bool:
    """The applicant of their own application; never staff (the counter customer uses the SMS link)."""
    applicant = acting_as(user, Role.APPLICANT)
    return applicant is not None and app.applicant_id == applicant.pk


def can_see_rating(user: AnyUser, app: Application) -> bool:
    return application_rules.can_view(user, app)


def handles_follow_ups(user: AnyUser) -> bool:
    return is_county_staff(user, roles=FOLLOW_UP_ROLES)


def can_follow_up(user: AnyUser, follow_up: FollowUp) -> bool:
    return is_county_staff(user, follow_up.county_id, roles=FOLLOW_UP_ROLES)


def can_see_bad_ratings(user: AnyUser) -> bool:
    """Supervisors (and admins) see every 差评 and whether it was handled in time."""
    return can_supervise(user)
