"""/api/v1/supervision: the compliance report as JSON, for supervisors."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field, create_model

from bandian.accounts.auth import api_auth
from bandian.applications.compliance import compliance_report, row_types
from bandian.core import limits
from bandian.supervision import rules

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
