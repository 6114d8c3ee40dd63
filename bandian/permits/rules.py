"""Who may see and do what with approval cases: decided here and nowhere else.

- the application's county staff (customer and project managers, counter clerks) see the
  county's cases; customer and project managers open cases and act for the utility
  (supplements, completion reports) as `applications.rules.can_handle` says;
- a department user sees the cases with an item of their department and acts on those items
  only (a county government's department exists for its county alone, so it sees that county's);
- supervisors and admins see everything and change nothing;
- applicants see the case status on their application page only; anyone else sees nothing.
"""

from __future__ import annotations

from django.db.models import QuerySet

from bandian.accounts.models import Role, User
from bandian.accounts.rules import AnyUser, can_supervise, is_county_staff
from bandian.applications import rules as app_rules
from bandian.applications.models import Application
from bandian.permits.models import ApprovalCase, PermitItem


def department_of(user: AnyUser) -> int | None:
    """The department id of an active department user, else None."""
    if isinstance(user, User) and user.is_active and user.role == Role.DEPARTMENT and user.department_id:
        return user.department_id
    return None


def is_department_user(user: AnyUser) -> bool:
    return department_of(user) is not None


def visible_cases(user: AnyUser) -> QuerySet[ApprovalCase]:
    """Every case this user may read (applicants: none; they see the status on their application)."""
    if not isinstance(user, User) or not user.is_active:
        return ApprovalCase.objects.none()
    if can_supervise(user):
        return ApprovalCase.objects.all()
    dept = department_of(user)
    if dept is not None:
        return ApprovalCase.objects.filter(pk__in=PermitItem.objects.filter(department_id=dept).values("case_id"))
    if is_county_staff(user):
        return ApprovalCase.objects.filter(application__county_id=user.county_id)
    return ApprovalCase.objects.none()


def visible_items(user: AnyUser) -> QuerySet[PermitItem]:
    """The items a department user works on (their department's), or every item of the visible cases."""
    dept = department_of(user)
    if dept is not None:
        return PermitItem.objects.filter(department_id=dept)
    return PermitItem.objects.filter(case__in=visible_cases(user))


def can_open_case(user: AnyUser, app: Application) -> bool:
    return app_rules.can_handle(user, app)


def can_act_for_utility(user: AnyUser, case: ApprovalCase) -> bool:
    """Answer supplement requests, report completion: the application's county managers."""
    return app_rules.can_handle(user, case.application)


def can_decide(user: AnyUser, item: PermitItem) -> bool:
    """Approve, refuse, ask for a supplement, confirm restoration: the item's department only."""
    dept = department_of(user)
    return dept is not None and dept == item.department_id


def has_permit_queue(user: AnyUser) -> bool:
    return is_department_user(user)


def can_list_cases(user: AnyUser) -> bool:
    """The case list: county staff, departments, supervisors."""
    return can_supervise(user) or is_department_user(user) or is_county_staff(user)
