"""/api/v1/applications/{no}/visit-slots and /visit-booking: the site survey a high-voltage
applicant books (预约上门). Thin: the selector fetches the application (404 when the caller may
not see it), rules.py decides (403), one service acts; errors become JSON in bandian/api.py."""

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
from bandian.applications.visits import rules, selectors, services
from bandian.applications.visits.models import Booking, VisitSlot
from bandian.core.schemas import ERRORS, READ_ERRORS
from bandian.core.time import SHANGHAI
from bandian.policy.loader import active_policy

router = Router(auth=api_auth)


class SlotOut(Schema):
    id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    manager: str


class BookingOut(Schema):
    id: int
    status: str
    slot: SlotOut
    booked_at: dt.datetime
    confirmed_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    changeable_until: dt.datetime


class SlotsOut(Schema):
    application_no: str
    booking: BookingOut | None
    slots: list[SlotOut]


class BookingIn(Schema):
    slot: int = Field(ge=1, le=2**62)


def slot_out(slot: VisitSlot) -> dict[str, Any]:
    return {
        "id": slot.pk,
        "starts_at": slot.starts_at.astimezone(SHANGHAI),
        "ends_at": slot.ends_at.astimezone(SHANGHAI),
        "manager": slot.manager.display_name or slot.manager.username,
    }


def booking_out(booking: Booking) -> dict[str, Any]:
    hours = active_policy().visits.change_hours
    return {
        "id": booking.pk,
        "status": booking.status,
        "slot": slot_out(booking.slot),
        "booked_at": booking.booked_at.astimezone(SHANGHAI),
        "confirmed_at": booking.confirmed_at.astimezone(SHANGHAI) if booking.confirmed_at else None,
        "cancelled_at": booking.cancelled_at.astimezone(SHANGHAI) if booking.cancelled_at else None,
        "changeable_until": (booking.slot.starts_at - dt.timedelta(hours=hours)).astimezone(SHANGHAI),
    }


@router.get(
    "/{no}/visit-slots", response={200: SlotsOut, **READ_ERRORS}, summary="High voltage: the visit slots to book"
)
def visit_slots(request: HttpRequest, no: str) -> dict[str, Any]:
    app = api_application(request, no)
    if not rules.can_see_slots(api_user(request), app):
        raise AuthorizationError(message=_("没有权限"))
    booking = services.live_booking(app)
    offered = list(selectors.open_slots(app, now=timezone.now())[:200]) if rules.books_visits(app) else []
    return {
        "application_no": app.no,
        "booking": booking_out(booking) if booking else None,
        "slots": [slot_out(s) for s in offered],
    }


@router.post(
    "/{no}/visit-booking",
    response={200: BookingOut, 201: BookingOut, **ERRORS},
    summary="High voltage: book a visit slot, or move the booking to another",
)
def visit_book(request: HttpRequest, no: str, payload: BookingIn) -> Reply:
    user = api_user(request)
    app = api_application(request, no)
    if not rules.can_book(user, app):
        raise AuthorizationError(message=_("只有申请人可以预约上门"))
    slot = VisitSlot.objects.filter(pk=payload.slot).first()
    if slot is None:
        raise Http404(_("没有该时段"))
    moving = services.live_booking(app) is not None
    booking = services.visit_book(application=app, slot=slot, actor=user)
    return Reply(200 if moving else 201, booking_out(booking))


@router.delete("/{no}/visit-booking", response={200: BookingOut, **ERRORS}, summary="High voltage: cancel the booking")
def visit_cancel(request: HttpRequest, no: str) -> dict[str, Any]:
    user = api_user(request)
    app = api_application(request, no)
    if not rules.can_book(user, app):
        raise AuthorizationError(message=_("只有申请人可以取消预约"))
    return booking_out(services.visit_cancel(application=app, actor=user))
