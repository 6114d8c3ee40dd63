"""/api/v1/applications/{no}/rating (the applicant rates, once) and /api/v1/public/ratings (the
published figures). Thin: the selector fetches the application (404 when the caller may not see
it), rules.py decides (403), one service acts; errors become JSON in bandian/api.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import AuthorizationError
from ninja.responses import Status as Reply
from pydantic import Field

from bandian.accounts.auth import api_auth
from bandian.applications.api import api_application, api_user
from bandian.applications.ratings import rules, selectors, services
from bandian.applications.ratings.models import Level, Rating
from bandian.core.errors import ServiceError
from bandian.core.limits import parse_year
from bandian.core.schemas import ERRORS, READ_ERRORS, errors
from bandian.core.time import SHANGHAI
from bandian.policy.loader import active_policy

router = Router(auth=api_auth)
public_router = Router()


class RatingIn(Schema):
    level: Level
    comment: str = Field(default="", max_length=services.COMMENT_MAX)
    customer_manager_level: Level | None = None
    project_manager_level: Level | None = None


class FollowUpOut(Schema):
    due_at: dt.datetime
    callback_at: dt.datetime | None
    callback_note: str
    rectification: str
    handled_at: dt.datetime | None
    in_time: bool | None


class RatingOut(Schema):
    application_no: str
    level: str
    comment: str
    customer_manager_level: str | None
    project_manager_level: str | None
    channel: str
    rated_at: dt.datetime
    bad: bool
    follow_up: FollowUpOut | None


class MonthOut(Schema):
    county: str
    county_name: str
    month: int
    ratings: int | None
    shares: dict[str, float | None]
    bad: int | None
    bad_handled_in_time: int | None
    bad_handled_in_time_share: float | None


class FiguresOut(Schema):
    year: int
    min_ratings: int
    levels: list[str]
    months: list[MonthOut]


def _local(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(SHANGHAI) if value is not None else None


def rating_out(rating: Rating) -> dict[str, Any]:
    follow = getattr(rating, "follow_up", None) if rating.bad else None
    return {
        "application_no": rating.application.no,
        "level": rating.level,
        "comment": rating.comment,
        "customer_manager_level": rating.customer_manager_level or None,
        "project_manager_level": rating.project_manager_level or None,
        "channel": rating.channel,
        "rated_at": _local(rating.rated_at),
        "bad": rating.bad,
        "follow_up": None
        if follow is None
        else {
            "due_at": _local(follow.due_at),
            "callback_at": _local(follow.callback_at),
            "callback_note": follow.callback_note,
            "rectification": follow.rectification,
            "handled_at": _local(follow.handled_at),
            "in_time": follow.in_time,
        },
    }


@router.post(
    "/{no}/rating", response={201: RatingOut, **ERRORS}, summary="The applicant rates the ended application, once"
)
def rate(request: HttpRequest, no: str, payload: RatingIn) -> Reply:
    user = api_user(request)
    app = api_application(request, no)
    if not rules.can_rate(user, app):
        raise AuthorizationError(message=_("只有申请人本人可以评价；工作人员不能评价或修改评价"))
    rating = services.rating_submit(
        application=app,
        level=payload.level,
        comment=payload.comment,
        customer_manager_level=payload.customer_manager_level,
        project_manager_level=payload.project_manager_level,
        actor=user,
    )
    return Reply(201, rating_out(rating))


@router.get("/{no}/rating", response={200: RatingOut, **READ_ERRORS}, summary="The rating and its follow-up")
def rating(request: HttpRequest, no: str) -> dict[str, Any]:
    app = api_application(request, no)
    if not rules.can_see_rating(api_user(request), app):
        raise AuthorizationError(message=_("没有权限"))
    found = selectors.rating_of(app)
    if found is None:
        raise Http404(_("该申请尚未评价"))
    return rating_out(found)


@public_router.get(
    "/ratings",
    response={200: FiguresOut, **errors(400)},
    auth=None,
    summary="Published rating figures per county and month",
)
def public_ratings(request: HttpRequest, year: str | None = None) -> dict[str, Any]:
    this_year = timezone.now().astimezone(SHANGHAI).year
    chosen, error = parse_year(year, default=this_year, years=range(2021, this_year + 1))
    if error:
        raise ServiceError(error)
    policy = active_policy()
    return {
        "year": chosen,
        "min_ratings": policy.ratings.min_published,
        "levels": list(Level.values),
        "months": [
            {
                "county": m.county,
                "county_name": policy.counties.get(m.county, m.county),
                "month": m.month,
                "ratings": m.ratings,
                "shares": m.shares,
                "bad": m.bad,
                "bad_handled_in_time": m.bad_handled_in_time,
                "bad_handled_in_time_share": m.bad_handled_in_time_share,
            }
            for m in selectors.published_figures(chosen)
        ],
    }
