"""The supervisors' outage-notice page and `GET /api/v1/supervision/outages?year=`: both read
bandian.outages.figures.outage_figures."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from bandian.accounts.auth import api_auth
from bandian.core import limits
from bandian.core.schemas import errors
from bandian.core.time import SHANGHAI
from bandian.outages.figures import outage_figures
from bandian.supervision import rules


@login_required
def outages_page(request: HttpRequest) -> HttpResponse:
    if not rules.can_view_compliance(request.user):
        raise PermissionDenied(_("只有监管人员和系统管理员可以查看"))
    this_year = timezone.now().astimezone(SHANGHAI).year
    years = range(limits.FIRST_YEAR, limits.LAST_YEAR + 1)
    year, error = limits.parse_year(request.GET.get("year"), default=this_year, years=years)
    context: dict[str, Any] = {
        "year": year, "years": range(this_year + 1, this_year - 7, -1), "error": error,
        "year_label": _("年份"),
    }  # fmt: skip
    if error:
        return render(request, "supervision/outages.html", context, status=400)
    context["figures"] = outage_figures(year)
    return render(request, "supervision/outages.html", context)


router = Router()


class OutagesQuery(Schema):
    year: int = Field(ge=limits.FIRST_YEAR, le=limits.LAST_YEAR, description="the year (Asia/Shanghai)")


@router.get(
    "/outages", auth=api_auth, response={200: dict[str, Any], **errors(401, 403, 422)},
    summary="Outage notices per county and month",
)  # fmt: skip
def outages_api(request: HttpRequest, query: Query[OutagesQuery]) -> dict[str, Any]:
    """Per county and month: planned outages, the share announced in time and the mean lead time,
    notices delivered within an hour, failed deliveries, faults and their time to restoration,
    unauthorised rationing; each planned outage against what happened; the rationing flags."""
    if not rules.can_view_compliance(request.auth):  # type: ignore[attr-defined]
        raise PermissionDenied(_("只有监管人员和系统管理员可以查看"))
    return outage_figures(query.year).as_dict()
