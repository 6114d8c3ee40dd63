"""/api/v1/reliability: a year's figures as JSON, for supervisors, admins and the utility's staff.

The document is the one `manage.py reliability --from-db --year Y --format json` prints:
{year, start, end, hours, by_area, by_county, total}.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Router, Schema
from pydantic import Field

from bandian.accounts.auth import api_auth
from bandian.core import limits
from bandian.core.schemas import errors
from bandian.reliability import rules, selectors

router = Router()


class YearPath(Schema):
    year: int = Field(ge=limits.FIRST_YEAR, le=limits.LAST_YEAR, description="the calendar year (Asia/Shanghai)")


@router.get(
    "/{year}",
    auth=api_auth,
    response={200: dict[str, Any], **errors(401, 403, 422)},
    summary="Reliability figures of a year (requirements §6)",
)
def year_figures(request: HttpRequest, path: Path[YearPath]) -> dict[str, Any]:
    """SAIDI, SAIFI, CAIDI, RS-1/2/3, planned and fault hours, momentary interruptions, CEMI-1..5 and
    CELID-8h by area class (with the policy's target), by county and in total, for the whole year."""
    if not rules.can_view_reliability(request.auth):  # type: ignore[attr-defined]
        raise PermissionDenied(_("只有监管人员、系统管理员和供电企业员工可以查看供电可靠性"))
    return selectors.year_report(path.year).as_dict()
