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


def _is(user: AnyUser, *roles: str) -> bool:
    return bool(user.is_authenticated and user.is_active and getattr(user, "role", None) in roles)


def is_admin(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active and (user.is_superuser or user.role == Role.ADMIN))


def visible_applications(user: AnyUser) -> QuerySet[Application]:
    """Every application this user may read."""
    if not user.is_authenticated or not user.is_active:
        return Application.objects.none()
    if is_admin(user) or _is(user, Role.SUPERVISOR):
        return Application.objects.all()
    if _is(user, *COUNTY_ROLES) and user.county_id:
        return Application.objects.filter(county_id=user.county_id)
    if _is(user, Role.APPLICANT):
        return Application.objects.filter(applicant=user)
    return Application.objects.none()


def can_view(user: AnyUser, app: Application) -> bool:
    return visible_applications(user).filter(pk=app.pk).exists()


def can_edit_as_applicant(user: AnyUser, app: Application) -> bool:
    """Upload documents, submit, withdraw: the applicant, or the counter clerk who entered it."""
    if _is(user, Role.APPLICANT):
        return app.applicant_id == user.pk
    if _is(user, Role.COUNTER):
        return app.county_id == user.county_id and app.entered_by_id == user.pk
    return False


def can_handle(user: AnyUser, app: Application) -> bool:
    """Complete steps, pause, resume, cancel: the county's customer and project managers."""
    return _is(user, *HANDLING_ROLES) and user.county_id == app.county_id


def can_record_visit(user: AnyUser, app: Application) -> bool:
    return _is(user, *COUNTY_ROLES) and user.county_id == app.county_id


def can_enter_for_others(user: AnyUser) -> bool:
    """Counter staff enter applications for people who come in (the channel is recorded)."""
    return _is(user, Role.COUNTER) and user.county_id is not None


def can_apply(user: AnyUser) -> bool:
    return _is(user, Role.APPLICANT)


def has_work_queue(user: AnyUser) -> bool:
    return _is(user, *COUNTY_ROLES) and user.county_id is not None


def can_supervise(user: AnyUser) -> bool:
    return _is(user, Role.SUPERVISOR) or is_admin(user)
