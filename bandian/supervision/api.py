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
from bandian.core.time import SHANGHAI
from bandian.supervision import annual, rules
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


@router.get("/compliance", auth=api_auth, response=ComplianceOut, summary="Compliance report (requirements §5)")
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
    "/rectifications", auth=api_auth, response=list[RectificationOut], summary="The rectification list (问题清单)"
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


@router.get("/annual-plans", auth=api_auth, response=list[PlanOut], summary="The utility's annual plans")
def annual_plans(request: HttpRequest, query: Query[PlanQuery]) -> list[dict[str, Any]]:
    """Each year's implementation plan: due day, when it was filed, and its status."""
    if not rules.can_view_annual_plans(request.auth):  # type: ignore[attr-defined]
        raise PermissionDenied(_("只有监管人员和责任单位可以查看年度实施方案"))
    today = timezone.now().astimezone(SHANGHAI).date()
    return [line.as_dict() for line in annual.plan_lines(today=today, year=query.year)]
