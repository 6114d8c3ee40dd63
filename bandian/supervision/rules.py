"""Who may see the supervision pages: decided here and nowhere else."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from bandian.accounts.models import Role
from bandian.accounts.rules import AnyUser, acting_as, active_user, can_supervise, has_role, is_admin
from bandian.policy.loader import active_policy
from bandian.supervision.models import Complaint, Rectification


def can_view_compliance(user: AnyUser) -> bool:
    """Supervisors (who read everything) and admins."""
    return can_supervise(user)


# The supervision loop. A unit of the policy's [supervision.units] acts through its logins:
# the utility's staff for the utility, a department's logins for the department of that code,
# every county government's logins for `counties`, the supervisors for the commission.
UTILITY_ROLES = frozenset({Role.CUSTOMER_MANAGER, Role.PROJECT_MANAGER, Role.COUNTER, Role.GRID_OPERATOR})


def units_of(user: AnyUser) -> set[str]:
    """The responsible units this user acts for (empty for applicants and outsiders)."""
    active = active_user(user)
    if active is None:
        return set()
    units = active_policy().supervision.units
    found: set[str] = set()
    department = active.department.code if active.department_id and active.department else ""
    for code, unit in units.items():
        if unit.kind == "utility":
            member = active.role in UTILITY_ROLES or is_admin(active)
        elif unit.kind == "commission":
            member = active.role == Role.SUPERVISOR
        elif unit.kind == "counties":
            member = active.role == Role.DEPARTMENT and department.startswith("county-")
        else:
            member = active.role == Role.DEPARTMENT and department == code
        if member:
            found.add(code)
    return found


def can_view_rectifications(user: AnyUser) -> bool:
    """Supervisors and admins (every item), and the logins of a responsible unit (their unit's)."""
    return can_supervise(user) or bool(units_of(user))


def visible_rectifications(user: AnyUser) -> QuerySet[Rectification]:
    """The items this user may see: all for supervisors and admins; a unit's own for its logins,
    and of those, a county's staff and county government see their county's and the
    prefecture-wide ones."""
    if can_supervise(user):
        return Rectification.objects.all()
    units = units_of(user)
    if not units:
        return Rectification.objects.none()
    active = active_user(user)
    assert active is not None
    items = Rectification.objects.filter(unit__in=units)
    county = active.county_id or (active.department.county_id if active.department else None)
    if county:
        items = items.filter(Q(county__isnull=True) | Q(county_id=county))
    return items


def can_open_rectification(user: AnyUser) -> bool:
    """Supervisors add items by hand (inspection findings)."""
    return has_role(user, Role.SUPERVISOR)


def can_rectify(user: AnyUser, item: Rectification) -> bool:
    """The responsible unit's logins start, report and submit the rectification."""
    return item.unit in units_of(user) and visible_rectifications(user).filter(pk=item.pk).exists()


def can_verify(user: AnyUser, item: Rectification) -> bool:
    """Supervisors verify, send back and reopen — never an item whose rectification they submitted."""
    active = acting_as(user, Role.SUPERVISOR)
    return active is not None and item.rectified_by_id != active.pk


def can_view_annual_plans(user: AnyUser) -> bool:
    """Supervisors, admins and the logins of every responsible unit (the plan is for them all)."""
    return can_supervise(user) or bool(units_of(user))


def can_file_annual_plan(user: AnyUser) -> bool:
    """The utility files its plan and interim reports: its administrators (the utility runs bandian)."""
    return is_admin(user)


def can_view_ledger(user: AnyUser) -> bool:
    """Supervisors and admins (the whole ledger) and the responsible units' logins (their own rows)."""
    return can_supervise(user) or bool(units_of(user))


def ledger_units_shown(user: AnyUser, units: list[str]) -> list[str]:
    """Which of a task's units this user sees: all for supervisors and admins, else their own."""
    if can_supervise(user):
        return list(units)
    mine = units_of(user)
    return [u for u in units if u in mine]


# Complaints (12398 / 95598).


def can_enter_complaints(user: AnyUser) -> bool:
    """Supervisors and the utility's staff enter or import complaints."""
    return has_role(user, Role.SUPERVISOR, *UTILITY_ROLES) or is_admin(user)


def can_handle_complaint(user: AnyUser, complaint: Complaint) -> bool:
    """Supervisors, admins, and the utility's staff of the complaint's county (any county's when
    it has none) decide, extend and answer — and only they see its personal data."""
    if has_role(user, Role.SUPERVISOR) or is_admin(user):
        return True
    staff = acting_as(user, *UTILITY_ROLES)
    return staff is not None and (complaint.county_id is None or staff.county_id == complaint.county_id)


def visible_complaints(user: AnyUser) -> QuerySet[Complaint]:
    """Supervisors and admins: all; the utility's staff: their county's and those of no county;
    an applicant: the complaints they made; nobody else any."""
    if has_role(user, Role.SUPERVISOR) or is_admin(user):
        return Complaint.objects.all()
    staff = acting_as(user, *UTILITY_ROLES)
    if staff is not None:
        return Complaint.objects.filter(Q(county__isnull=True) | Q(county_id=staff.county_id))
    applicant = acting_as(user, Role.APPLICANT)
    if applicant is not None:
        return Complaint.objects.filter(complainant=applicant)
    return Complaint.objects.none()


def can_view_complaints(user: AnyUser) -> bool:
    return can_enter_complaints(user) or has_role(user, Role.APPLICANT)
