"""Demo data of visit booking (预约上门): the slots of Kaili's first customer manager and bookings of
open high-voltage applications at each state, through the visit services with `at=`.

Run by `manage.py demo` after the applications (and approval) demo. The slots (Kaili's manager's, and
those of the customer manager of each other county's open high-voltage application) are published a week
before the demo's "now" for the working days to the end of the calendar's last year held; the
bookings are made in the days before "now" (each after its application's last event):

- booked, waiting for the manager's confirmation;
- booked and confirmed;
- booked, then moved to another slot (waiting again);
- booked, then cancelled by the applicant;
- booked, confirmed, then cancelled by the manager with a reason;
- booked and confirmed for a visit already made before "now", its day-before reminder sent.

Skipped when the manager has any slot (a second run adds nothing).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from bandian.accounts.models import User
from bandian.applications.enums import Status
from bandian.applications.models import Application
from bandian.applications.visits import services
from bandian.applications.visits.models import Booking, VisitSlot
from bandian.core.time import SHANGHAI
from bandian.demo.applications import DEMO_NOW
from bandian.workdays.selectors import get_calendar

MANAGER = "kaili-cm1"
PUBLISHED = DEMO_NOW - dt.timedelta(days=7)


@dataclass(frozen=True)
class VisitsDemoResult:
    loaded: bool
    slots: int = 0
    bookings: int = 0
    seconds: float = 0.0
    reason: str = ""


def load_visits_demo(*, progress: Callable[[str], None] | None = None) -> VisitsDemoResult:
    started = time.monotonic()
    manager = User.objects.filter(username=MANAGER).first()
    if manager is None or manager.county_id is None:
        return VisitsDemoResult(False, reason=f"no {MANAGER} login")
    if VisitSlot.objects.filter(manager=manager).exists():
        return VisitsDemoResult(False, reason="visit slots exist already")
    cal = get_calendar()
    last_day = dt.date(max(cal.years), 12, 31)
    first_day = PUBLISHED.astimezone(SHANGHAI).date() + dt.timedelta(days=2)
    last_day = min(last_day, first_day + dt.timedelta(days=40))
    candidates = sorted(
        (
            app
            for app in Application.objects.filter(
                customer_class__in=["hv_single", "hv_dual"],
                status__in=Status.open_states(),
                current_stage__in=["apply", "plan"],
                customer_manager__isnull=False,
            )
            .select_related("applicant", "entered_by", "customer_manager")
            .order_by("no")
            if (app.applicant or app.entered_by) is not None
        ),
        key=lambda a: (a.county_id != manager.county_id, a.no),
    )
    plans = ["booked", "confirmed", "moved", "cancelled", "manager_cancelled", "visited"]
    made = 0
    published: dict[int, list[VisitSlot]] = {}

    def slots_of(person: User) -> list[VisitSlot]:
        if person.pk not in published:
            services.slots_publish(manager=person, first=first_day, last=last_day, at=PUBLISHED)
            published[person.pk] = list(VisitSlot.objects.filter(manager=person).order_by("starts_at"))
        return published[person.pk]

    with transaction.atomic():
        slots_of(manager)  # the Kaili manager's slots, whether or not anything is booked
        for n, app in enumerate(candidates):
            plan = plans[n % len(plans)]
            owner = manager if app.county_id == manager.county_id else app.customer_manager
            assert owner is not None
            own = slots_of(owner)
            future = [s for s in own if s.starts_at > DEMO_NOW + dt.timedelta(days=2)]
            past = [s for s in own if PUBLISHED + dt.timedelta(days=2) < s.starts_at < DEMO_NOW]
            last = app.events.order_by("-seq").values_list("occurred_at", flat=True).first()
            base = max(PUBLISHED, last or PUBLISHED) + dt.timedelta(hours=1)
            if base > DEMO_NOW - dt.timedelta(hours=6):
                continue
            actor = app.applicant or app.entered_by
            assert actor is not None
            step = dt.timedelta(hours=1)
            done = next((s for s in past if s.starts_at - dt.timedelta(hours=25) > base + 2 * step), None)
            if plan == "visited" and done is None:
                plan = "confirmed"
            slot = done if plan == "visited" and done is not None else future[(n * 2) % (len(future) - 1)]
            booking = services.visit_book(application=app, slot=slot, actor=actor, at=base)
            if plan in ("confirmed", "manager_cancelled", "visited"):
                booking = services.visit_confirm(booking=booking, actor=owner, at=base + step)
            if plan == "moved":
                later = future[(n * 2) % (len(future) - 1) + 1]
                services.visit_book(application=app, slot=later, actor=actor, at=base + step)
            if plan == "cancelled":
                services.visit_cancel(application=app, actor=actor, at=base + step)
            if plan == "manager_cancelled":
                services.visit_cancel(
                    application=app, actor=owner, note="当日需参加线路抢修，请改约其他时段", at=base + 2 * step
                )
            if plan == "visited":
                eve = slot.starts_at.astimezone(SHANGHAI).replace(hour=18, minute=0) - dt.timedelta(days=1)
                services.visit_reminders_send(at=max(eve, base + 2 * step))
            made += 1
    slots = [s for own in published.values() for s in own]
    if progress:
        progress(f"visits: {len(slots)} slots, {made} bookings")
    return VisitsDemoResult(
        True,
        slots=len(slots),
        bookings=Booking.objects.count(),
        seconds=time.monotonic() - started,
    )
