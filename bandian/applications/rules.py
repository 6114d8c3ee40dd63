"""Who may see and do what with applications: decided here and nowhere else."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from bandian.accounts.models import Role, User
from bandian.applications.models import Application

AnyUser = User | AnonymousUser

# Roles that handle applications in the back office, limited to their county.
HANDLING_ROLES = {Role.CUSTOMER_MANAGER, Role.PROJECT_MANAGER}
COUNTY_ROLES = {Role.CUSTOMER_MANAGER, Role.PROJECT_MANAGER, Role.COUNTER}


def _as(user: AnyUser, *roles: str) -> User | None:
    """The signed-in, active user if they have one of these roles."""
    if isinstance(user, User) and user.is_active and user.role in roles:
        return user
    return None


def _is(user: AnyUser, *roles: str) -> bool:
    return _as(user, *roles) is not None


def _county_staff(user: AnyUser, roles: set[Role], county_id: str | None) -> bool:
    staff = _as(user, *roles)
    return staff is not None and staff.county_id is not None and staff.county_id == county_id


def is_admin(user: AnyUser) -> bool:
    return isinstance(user, User) and user.is_active and (user.is_superuser or user.role == Role.ADMIN)


def visible_applications(user: AnyUser) -> QuerySet[Application]:
    """Every application this user may read."""
    if not isinstance(user, User) or not user.is_active:
        return Application.objects.none()
    if is_admin(user) or _is(user, Role.SUPERVISOR):
        return Application.objects.all()
    staff = _as(user, *COUNTY_ROLES)
    if staff is not None and staff.county_id:
        return Application.objects.filter(county_id=staff.county_id)
    if _is(user, Role.APPLICANT):
        return Application.objects.filter(applicant=user)
    return Application.objects.none()


def can_view(user: AnyUser, app: Application) -> bool:
    return visible_applications(user).filter(pk=app.pk).exists()


def can_edit_as_applicant(user: AnyUser, app: Application) -> bool:
    """Upload documents, submit, withdraw: the applicant, or the counter clerk who entered it."""
    if _is(user, Role.APPLICANT):
        return app.applicant_id == user.pk
    return _county_staff(user, {Role.COUNTER}, app.county_id) and app.entered_by_id == user.pk


def can_handle(user: AnyUser, app: Application) -> bool:
    """Complete steps, pause, resume, cancel: the county's customer and project managers."""
    return _county_staff(user, HANDLING_ROLES, app.county_id)


def can_record_visit(user: AnyUser, app: Application) -> bool:
    return _county_staff(user, COUNTY_ROLES, app.county_id)


def can_enter_for_others(user: AnyUser) -> bool:
    """Counter staff enter applications for people who come in (the channel is recorded)."""
    counter = _as(user, Role.COUNTER)
    return counter is not None and counter.county_id is not None


def can_apply(user: AnyUser) -> bool:
    return _is(user, Role.APPLICANT)


def has_work_queue(user: AnyUser) -> bool:
    staff = _as(user, *COUNTY_ROLES)
    return staff is not None and staff.county_id is not None


def can_supervise(user: AnyUser) -> bool:
    return _is(user, Role.SUPERVISOR) or is_admin(user)
