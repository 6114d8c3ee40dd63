"""Reading slots and bookings: what an application may book, a manager's queue and feed."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from bandian.accounts.models import User
from bandian.applications.enums import Status
from bandian.applications.models import Application
from bandian.applications.visits.models import Booking, CalendarFeed, VisitSlot
from bandian.policy.loader import active_policy


def _taken() -> Exists:
    return Exists(Booking.objects.filter(slot=OuterRef("pk"), status__in=Booking.LIVE))


def open_slots(app: Application, *, now: dt.datetime | None = None) -> QuerySet[VisitSlot]:
    """The slots this application may book now: its county's customer managers', not withdrawn,
    not taken, and starting later than the policy's `change_hours` from now."""
    now = now or timezone.now()
    hours = active_policy().visits.change_hours
    return (
        VisitSlot.objects.filter(
            county_id=app.county_id, withdrawn_at__isnull=True, starts_at__gte=now + dt.timedelta(hours=hours)
        )
        .exclude(_taken())
        .select_related("manager")
        .order_by("starts_at", "manager_id")
    )


def manager_slots(manager: User, *, now: dt.datetime | None = None) -> QuerySet[VisitSlot]:
    """The manager's coming slots (not withdrawn), each with `taken`."""
    now = now or timezone.now()
    return (
        VisitSlot.objects.filter(manager=manager, withdrawn_at__isnull=True, ends_at__gt=now)
        .annotate(taken=_taken())
        .order_by("starts_at")
    )


def manager_bookings(manager: User, *, now: dt.datetime | None = None) -> QuerySet[Booking]:
    """The manager's queue: live bookings of open applications whose visit has not ended."""
    now = now or timezone.now()
    return (
        Booking.objects.filter(
            slot__manager=manager,
            status__in=Booking.LIVE,
            slot__ends_at__gt=now,
            application__status__in=Status.open_states(),
        )
        .select_related("slot", "application")
        .order_by("slot__starts_at")
    )


def feed_bookings(manager: User, *, now: dt.datetime | None = None, days_back: int = 30) -> QuerySet[Booking]:
    """What the manager's calendar feed lists: bookings of the last `days_back` days and every later
    one, cancelled ones too (a calendar app then removes them)."""
    now = now or timezone.now()
    return (
        Booking.objects.filter(slot__manager=manager, slot__starts_at__gte=now - dt.timedelta(days=days_back))
        .select_related("slot", "application")
        .order_by("slot__starts_at", "pk")
    )


def feed_for(manager: User) -> CalendarFeed:
    feed, _created = CalendarFeed.objects.get_or_create(manager=manager)
    return feed


def manager_for_feed(token: str) -> User | None:
    if not token or len(token) > 64:
        return None
    feed = CalendarFeed.objects.select_related("manager").filter(token=token).first()
    if feed is None or not feed.manager.is_active:
        return None
    return feed.manager
