"""/api/v1/supervision: the compliance report as JSON, for supervisors."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from bandian.accounts.auth import api_auth
from bandian.supervision import rules
from bandian.supervision.compliance import compliance_report

router = Router()


class ComplianceQuery(Schema):
    year: int = Field(ge=2000, le=2100, description="the year of energisation (Asia/Shanghai)")


class ApplicationLine(Schema):
    no: str
    customer_class: str
    full_process_workdays: float
    utility_workdays: float
    approval_workdays: float
    limit_workdays: int
    limit_clock: str
    within_limit: bool
    steps: int
    steps_limit: int
    documents: int
    documents_limit: int
    visits: int
    visits_limit: int | None
    zero_investment: bool
    restart_of: str | None


class ClassLine(Schema):
    count: int
    mean_workdays: float | None
    p90_workdays: float | None
    max_workdays: float | None
    within_limit_share: float | None
    limits_workdays: list[int]


class ComplianceOut(Schema):
    year: int
    applications: list[ApplicationLine]
    by_class: dict[str, ClassLine]


@router.get("/compliance", auth=api_auth, response=ComplianceOut, summary="Compliance report (requirements §5)")
def compliance(request: HttpRequest, query: Query[ComplianceQuery]) -> dict[str, Any]:
    """The §5 compliance report for the applications energised in `year`: supervisors and admins."""
    if not rules.can_view_compliance(request.auth):  # type: ignore[attr-defined]
        raise PermissionDenied(_("只有监管人员和系统管理员可以查看"))
    return compliance_report(query.year).as_dict()
