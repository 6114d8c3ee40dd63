"""Public endpoints (no authentication), mounted at /api/v1/public."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema

from bandian.disclosure.selectors import public_anchors

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
