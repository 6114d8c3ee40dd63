"""A customer manager's booked visits as an iCalendar feed (RFC 5545), built with `icalendar`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone
from icalendar import Calendar, Event

from bandian.accounts.models import User
from bandian.applications.visits.models import Booking

STATUS = {
    Booking.Status.BOOKED: "TENTATIVE",
    Booking.Status.CONFIRMED: "CONFIRMED",
    Booking.Status.CANCELLED: "CANCELLED",
}


def manager_calendar(manager: User, bookings: Iterable[Booking], *, now: dt.datetime | None = None) -> bytes:
    now = now or timezone.now()
    cal = Calendar()
    cal.add("prodid", "-//bandian//site visits//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"上门预约 {manager.display_name or manager.username}")
    cal.add("x-wr-timezone", "Asia/Shanghai")
    for booking in bookings:
        app = booking.application
        event = Event()
        event.add("uid", f"visit-booking-{booking.pk}@bandian")
        event.add("dtstamp", now.astimezone(dt.UTC))
        changed = booking.cancelled_at or booking.confirmed_at or booking.changed_at or booking.booked_at
        event.add("last-modified", changed.astimezone(dt.UTC))
        event.add("dtstart", booking.slot.starts_at.astimezone(dt.UTC))
        event.add("dtend", booking.slot.ends_at.astimezone(dt.UTC))
        event.add("summary", f"现场勘查 {app.no}")
        event.add("location", app.address)
        event.add("description", f"{app.no} {app.applicant_name} {app.phone} {app.capacity_kw} kW")
        event.add("status", STATUS[Booking.Status(booking.status)])
        event.add("sequence", booking.revision)  # a move keeps the UID; the later version wins
        cal.add_component(event)
    return cal.to_ical()
