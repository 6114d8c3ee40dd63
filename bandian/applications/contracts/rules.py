"""Who may see and do what with an application's supply contract: decided here and nowhere else."""

from __future__ import annotations

from bandian.accounts.models import Role
from bandian.accounts.rules import AnyUser, has_role, is_county_staff
from bandian.applications import rules as application_rules
from bandian.applications.models import Application


def can_download(user: AnyUser, app: Application) -> bool:
    """The applicant and the staff of the application's county; nobody else (the contract names
    the applicant and the address)."""
    if has_role(user, Role.APPLICANT):
        return app.applicant_id == user.pk
    return is_county_staff(user, app.county_id)


def can_sign_online(user: AnyUser, app: Application) -> bool:
    """Ask for the SMS code and confirm it: the applicant's own account only."""
    return has_role(user, Role.APPLICANT) and app.applicant_id == user.pk


def can_record_paper(user: AnyUser, app: Application) -> bool:
    """Record a signature on paper with its scan: the counter clerks of the county."""
    return is_county_staff(user, app.county_id, roles=frozenset({Role.COUNTER}))


def can_seal(user: AnyUser, app: Application) -> bool:
    """Apply the utility's signature by hand when it did not happen on its own: the managers."""
    return application_rules.can_handle(user, app)
