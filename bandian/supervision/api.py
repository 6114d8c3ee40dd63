"""/api/v1/supervision: the compliance report as JSON, for supervisors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field, create_model

from bandian.accounts.auth import api_auth
from bandian.applications.compliance import compliance_report, row_types
from bandian.core import limits
from bandian.core.errors import ServiceError
from bandian.core.schemas import errors
from bandian.core.time import SHANGHAI
from bandian.policy.loader import active_policy
from bandian.supervision import annual, complaints, contractors, rules
from bandian.supervision.dashboard import FIRST_YEAR as DASHBOARD_FIRST_YEAR
from bandian.supervision.dashboard import dashboard
from bandian.supervision.models import Source
from bandian.supervision.models import Status as RectificationStatus
from bandian.supervision.rectifications import is_overdue

router = Router()


class ComplianceQuery(Schema):
    year: int = Field(ge=limits.FIRST_YEAR, le=limits.LAST_YEAR, description="the year of energisation (Asia/Shanghai)")


# The row is defined once, in bandian.applications.compliance.ReportRow; its schema follows it.
ApplicationLine: type[Schema] = create_model(  # type: ignore[call-overload]
    "ApplicationLine", __base__=Schema, **{name: (hint, ...) for name, hint in row_types().items()}
)


class ClassLine(Schema):
    count: int
    mean_workdays: float | None
    p90_workdays: float | None
    max_workdays: float | None
    within_limit_share: float | None
    approval_within_limit_share: float | None = Field(
        description="share within the approval limit, over the class's applications that had an approval"
    )
    limits_workdays: list[int]


class ComplianceOut(Schema):
    year: int
    applications: list[ApplicationLine]  # type: ignore[valid-type]
    by_class: dict[str, ClassLine]


@router.get(
    "/compliance",
    auth=api_auth,
    response={200: ComplianceOut, **errors(401, 403, 422, 503)},
    summary="Compliance report (requirements §5)",
)
def compliance(request: HttpRequest, query: Query[ComplianceQuery]) -> dict[str, Any]:
    """The §5 compliance report for the applications energised in `year`: supervisors and admins."""
    if not rules.can_view_compliance(request.auth):  # type: ignore[attr-defined]
        raise PermissionDenied(_("只有监管人员和系统管理员可以查看"))
    return compliance_report(query.year).as_dict()


# The supervision loop (issue 14): the rectification list and the annual plans.


class RectificationQuery(Schema):
    source: Source | None = None
    status: RectificationStatus | None = None
    unit: str | None = Field(default=None, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")


class RectificationOut(Schema):
    no: str
    source: str
    subject: str
    title: str
    unit: str
    county: str | None
    due: dt.date
    status: str
    overdue: bool
    opened_at: dt.datetime
    closed_at: dt.datetime | None


@router.get(
    "/rectifications",
    auth=api_auth,
    response={200: list[RectificationOut], **errors(401, 403, 422)},
    summary="The rectification list (问题清单)",
)
def rectifications(request: HttpRequest, query: Query[RectificationQuery]) -> list[dict[str, Any]]:
    """The items this caller may see (supervisors: all; a responsible unit: its own), newest first."""
    user = request.auth  # type: ignore[attr-defined]
    if not rules.can_view_rectifications(user):
        raise PermissionDenied(_("只有监管人员和责任单位可以查看问题清单"))
    items = rules.visible_rectifications(user)
    if query.source:
        items = items.filter(source=query.source)
    if query.status:
        items = items.filter(status=query.status)
    if query.unit:
        items = items.filter(unit=query.unit)
    today = timezone.now().astimezone(SHANGHAI).date()
    return [
        {
            "no": i.no,
            "source": i.source,
            "subject": i.subject,
            "title": i.title,
            "unit": i.unit,
            "county": i.county_id,
            "due": i.due_on,
            "status": i.status,
            "overdue": is_overdue(i, today=today),
            "opened_at": i.opened_at,
            "closed_at": i.closed_at,
        }
        for i in items[:5000]
    ]


class PlanQuery(Schema):
    year: int | None = Field(default=None, ge=limits.FIRST_YEAR, le=limits.LAST_YEAR)


class PlanOut(Schema):
    year: int
    due: dt.date
    submitted_at: dt.datetime | None
    status: str = Field(description="submitted (by the due day), late (after it), missing (not filed, past due) or due")


@router.get(
    "/annual-plans",
    auth=api_auth,
    response={200: list[PlanOut], **errors(401, 403, 422)},
    summary="The utility's annual plans",
)
def annual_plans(request: HttpRequest, query: Query[PlanQuery]) -> list[dict[str, Any]]:
    """Each year's implementation plan: due day, when it was filed, and its status."""
    if not rules.can_view_annual_plans(request.auth):  # type: ignore[attr-defined]
        raise PermissionDenied(_("只有监管人员和责任单位可以查看年度实施方案"))
    today = timezone.now().astimezone(SHANGHAI).date()
    return [line.as_dict() for line in annual.plan_lines(today=today, year=query.year)]


class ComplaintQuery(Schema):
    year: int = Field(ge=limits.FIRST_YEAR, le=limits.LAST_YEAR, description="the year the complaint was received")


class ComplaintOut(Schema):
    hotline: str
    ticket: str
    received_at: dt.datetime
    category: str
    status: str = Field(description="received, accepted, rejected or answered")
    upheld: bool | None
    application_no: str | None
    outage_reference: str | None
    county: str | None
    accept_due: dt.datetime
    answer_due: dt.datetime | None
    answered_at: dt.datetime | None
    overdue: bool
    answered_in_time: bool | None
    phone: str = Field(description="masked (138****0001) unless the caller handles the complaint")


@router.get(
    "/complaints",
    auth=api_auth,
    response={200: list[ComplaintOut], **errors(401, 403, 422)},
    summary="Complaints (12398 / 95598)",
)
def complaint_list(request: HttpRequest, query: Query[ComplaintQuery]) -> list[dict[str, Any]]:
    """The complaints received in `year` that the caller may see (supervisors: all; the utility's
    staff: their county's; an applicant: their own)."""
    user = request.auth  # type: ignore[attr-defined]
    if not rules.can_view_complaints(user):
        raise PermissionDenied(_("只有监管人员、供电企业和投诉人可以查看投诉"))
    now = timezone.now()
    return [
        {
            "hotline": c.hotline,
            "ticket": c.ticket,
            "received_at": c.received_at,
            "category": c.category,
            "status": c.state,
            "upheld": c.upheld,
            "application_no": c.application.no if c.application else None,
            "outage_reference": c.outage.reference if c.outage else None,
            "county": c.county_id,
            "accept_due": c.accept_due,
            "answer_due": c.answer_due,
            "answered_at": c.answered_at,
            "overdue": complaints.is_overdue(c, now=now),
            "answered_in_time": complaints.answered_in_time(c),
            "phone": c.phone
            if rules.can_handle_complaint(user, c) or c.complainant_id == user.pk
            else complaints.masked_phone(c.phone),
        }
        for c in complaints.complaints_for(user, year=query.year)[:5000]
    ]


class ContractorQuery(Schema):
    flagged: bool | None = Field(default=None, description="true: only flagged contractors; false: only the others")


class ContractorOut(Schema):
    name: str
    licence_no: str
    licence_class: str
    level: str
    valid_from: dt.date
    valid_to: dt.date
    valid_today: bool
    applications: int = Field(description="high-voltage applications declaring it as builder")
    flagged: bool
    reasons: list[str] = Field(description="licence_not_valid (built without a valid licence), concentration (三指定)")


@router.get(
    "/contractors",
    auth=api_auth,
    response={200: list[ContractorOut], **errors(401, 403, 422)},
    summary="The contractors' register",
)
def contractor_list(request: HttpRequest, query: Query[ContractorQuery]) -> list[dict[str, Any]]:
    """The licence register (承装（修、试）电力设施许可证) with the flags: supervisors and admins."""
    if not rules.can_view_compliance(request.auth):  # type: ignore[attr-defined]
        raise PermissionDenied(_("只有监管人员和系统管理员可以查看"))
    return contractors.register(flagged=query.flagged, today=timezone.now().astimezone(SHANGHAI).date())


class DashboardQuery(Schema):
    year: int = Field(ge=limits.FIRST_YEAR, le=limits.LAST_YEAR)
    county: str | None = Field(
        default=None, pattern=r"^[0-9]{6}$", description="a county's adcode; none: the prefecture"
    )


class TargetOut(Schema):
    target: str
    group: str
    name: str
    limit: float | None
    limit_text: str
    value: float | None
    unit: str = Field(description="share (0–1), count or hours")
    goal: float | None
    status: str = Field(description="met, at_risk, missed or no_data")
    link: str
    trend: list[float | None] = Field(description="month 1..12")


class DashboardOut(Schema):
    year: int
    county: str | None
    partial: bool
    generated_at: dt.datetime
    targets: list[TargetOut]


@router.get(
    "/dashboard",
    auth=api_auth,
    response={200: DashboardOut, **errors(400, 401, 403, 422, 503)},
    summary="Every target of the plan for a year",
)
def dashboard_api(request: HttpRequest, query: Query[DashboardQuery]) -> dict[str, Any]:
    """Every target against its limit (met / at_risk / missed / no_data), for the prefecture or a county."""
    if not rules.can_view_compliance(request.auth):  # type: ignore[attr-defined]
        raise PermissionDenied(_("只有监管人员和系统管理员可以查看"))
    this_year = timezone.now().astimezone(SHANGHAI).year
    if query.year not in range(DASHBOARD_FIRST_YEAR, this_year + 1):  # as the page: a year not begun has no figures
        raise ServiceError(str(limits.YEAR_MESSAGE % {"a": DASHBOARD_FIRST_YEAR, "b": this_year}))
    if query.county is not None and query.county not in active_policy().counties:
        raise ServiceError(_("未知的县（市）：%(c)s") % {"c": query.county})
    board = dashboard(query.year, county=query.county)
    return {
        "year": board.year,
        "county": board.county,
        "partial": board.partial,
        "generated_at": board.generated_at,
        "targets": [t.as_dict() for t in board.targets],
    }
