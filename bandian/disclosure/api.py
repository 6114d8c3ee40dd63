"""Public endpoints (no authentication), mounted at /api/v1/public."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from bandian.core.schemas import COUNTY_PARAMETER, errors, query_parameter
from bandian.disclosure import capacity, guide
from bandian.disclosure.params import county_param, only
from bandian.disclosure.selectors import public_anchors
from bandian.disclosure.statistics import public_statistics
from bandian.disclosure.statistics_views import FIRST_YEAR, read_query
from bandian.policy.loader import active_policy

router = Router()


class AnchorOut(Schema):
    day: dt.date
    digest: str
    applications: int
    events: int
    last_event_id: int
    created_at: dt.datetime


@router.get("/anchors", response=list[AnchorOut], auth=None, summary="Daily anchors of the timeline")
def anchors(request: HttpRequest) -> list[AnchorOut]:
    """Every daily anchor, newest first: one SHA-256 over all applications' chain heads, with counts.

    `digest` is SHA-256 over the UTF-8 lines `<application no>:<hash of its last event>\\n`, in
    application-number order, of every application with events, counting the events with id up
    to `last_event_id`. Keep a copy: `manage.py timeline verify` recomputes the latest one.
    """
    return [AnchorOut.model_validate(anchor, from_attributes=True) for anchor in public_anchors()]


@router.get(
    "/guide",
    auth=None,
    response=dict[str, Any],
    url_name="public_guide",
    summary="The service guide of every customer class",
)
def service_guide(request: HttpRequest) -> dict[str, Any]:
    """The service guide (办事指南) from the policy in force: per customer class who it is for,
    the steps with their limits (every dated limit, with `state` in_force / upcoming / ended on
    today), the clock, the documents, visits, channels, the zero-investment rules, the permits
    path, the pause reasons, how to follow progress and complain, the hotlines. Labels in the
    request's language (`Accept-Language`)."""
    policy = active_policy()
    return {
        "generated_at": timezone.now(),
        "policy": guide.policy_header(policy),
        "classes": [g.as_dict() for g in guide.service_guide(policy, today=timezone.localdate())],
    }


def _line(line: capacity.Line) -> dict[str, Any]:
    return {name: getattr(line, name) for name in capacity.CSV_FIELDS if name not in ("level", "county_name")} | {
        "status_label": line.status_label
    }


@router.get(
    "/capacity",
    auth=None,
    response={200: dict[str, Any], **errors(400)},
    openapi_extra={"parameters": [COUNTY_PARAMETER]},
    url_name="public_capacity",
    summary="Grid access capacity (接入能力)",
)
def access_capacity(request: HttpRequest) -> dict[str, Any]:
    """Each county's access capacity (`?county=` an adcode: only that county): its headroom and
    status, its feeders (constrained first) and substations with rated capacity, peak load, the
    capacity reserved by applications in progress on them (kVA), headroom, its share of the
    rating and the status from the policy's `[capacity]` thresholds (green, amber, red, unknown).
    An unknown county or parameter is a 400."""
    only(request.GET, {"county"})
    report = capacity.capacity_report(county=county_param(request.GET))
    return {
        "generated_at": report.generated_at,
        "grid_updated_at": report.grid_updated_at,
        "policy": report.policy,
        "thresholds": report.thresholds.model_dump(),
        "counties": [
            {
                "county": c.adcode,
                "name": c.name,
                "rated_capacity_kva": c.rated_capacity_kva,
                "headroom_kva": c.headroom_kva,
                "headroom_share": c.headroom_share,
                "largest_feeder_headroom_kva": c.largest_feeder_headroom_kva,
                "status": c.status,
                "status_label": c.status_label,
                "feeders": [_line(f) for f in c.feeders],
                "substations": [_line(s) for s in c.substations],
            }
            for c in report.counties
        ],
    }


@router.get(
    "/statistics",
    auth=None,
    response={200: dict[str, Any], **errors(400)},
    openapi_extra={
        "parameters": [
            query_parameter(
                "year", {"type": "integer", "minimum": FIRST_YEAR}, "the year, to this one; none: this year, to date"
            ),
            COUNTY_PARAMETER,
        ]
    },
    url_name="public_statistics",
    summary="Public statistics (公开统计)",
)
def statistics(request: HttpRequest) -> dict[str, Any]:
    """A year's figures (`?year=`, default the current year, to date) for the prefecture or one
    county (`?county=`): per customer class the handling time against its limit (count, mean, p90,
    share within), steps, documents and visits against their maxima, zero-investment connections
    and any fee charged to them, the administrative approval; the parallel approval items; SAIDI
    per area class against its target. Figures over fewer than `min_count` applications are null.
    The same code as the supervisors' compliance report. Bad parameters: 400."""
    only(request.GET, {"year", "county"})
    year, county = read_query(request)
    return public_statistics(year, county=county).as_dict()
