"""Who may see and do what with applications: decided here and nowhere else."""

from __future__ import annotations

from django.db.models import QuerySet

from bandian.accounts.models import Role, User
from bandian.accounts.rules import COUNTY_ROLES, AnyUser, acting_as, can_supervise, has_role, is_county_staff
from bandian.applications.models import Application

# Roles that handle applications in the back office, limited to their county.
HANDLING_ROLES = frozenset({Role.CUSTOMER_MANAGER, Role.PROJECT_MANAGER})


def visible_applications(user: AnyUser) -> QuerySet[Application]:
    """Every application this user may read."""
    if not isinstance(user, User) or not user.is_active:
        return Application.objects.none()
    if can_supervise(user):
        return Application.objects.all()
    staff = acting_as(user, *COUNTY_ROLES)
    if staff is not None and staff.county_id:
        return Application.objects.filter(county_id=staff.county_id)
    if has_role(user, Role.APPLICANT):
        return Application.objects.filter(applicant=user)
    return Application.objects.none()


def can_view(user: AnyUser, app: Application) -> bool:
    return visible_applications(user).filter(pk=app.pk).exists()


def can_edit_as_applicant(user: AnyUser, app: Application) -> bool:
    """Upload documents, submit, withdraw: the applicant, or the counter clerk who entered it."""
    if has_role(user, Role.APPLICANT):
        return app.applicant_id == user.pk
    return is_county_staff(user, app.county_id, roles=frozenset({Role.COUNTER})) and app.entered_by_id == user.pk


def can_handle(user: AnyUser, app: Application) -> bool:
    """Complete steps, pause, resume, cancel: the county's customer and project managers."""
    return is_county_staff(user, app.county_id, roles=HANDLING_ROLES)


def can_record_visit(user: AnyUser, app: Application) -> bool:
    return is_county_staff(user, app.county_id)


def can_enter_for_others(user: AnyUser) -> bool:
    """Counter staff enter applications for people who come in (the channel is recorded)."""
    return is_county_staff(user, roles=frozenset({Role.COUNTER}))


def can_apply(user: AnyUser) -> bool:
    return has_role(user, Role.APPLICANT)


def has_work_queue(user: AnyUser) -> bool:
    return is_county_staff(user)
