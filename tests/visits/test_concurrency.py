"""Two applicants booking the same slot at the same moment: exactly one succeeds (PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from bandian.applications.integrity import verify_all
from bandian.applications.models import Application
from bandian.applications.visits import services
from bandian.applications.visits.models import Booking, VisitSlot
from bandian.core.errors import StateConflict
from tests.conftest import submitted
from tests.timeline.test_concurrency import race

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL"
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_applicants_booking_one_slot_at_once_exactly_one_succeeds(now, alice, bob, kaili, cm, pm):
    first = submitted(alice, kaili, "hv_single", capacity_kw=Decimal("630"))
    second = submitted(bob, kaili, "hv_dual", capacity_kw=Decimal("800"), address="凯里市文化北路 3 号")
    [slot, *_] = services.slots_publish(manager=cm, first=dt.date(2026, 6, 3))

    def book(app_pk: int, user):
        return lambda: services.visit_book(
            application=Application.objects.get(pk=app_pk), slot=VisitSlot.objects.get(pk=slot.pk), actor=user
        )

    outcomes = race(book(first.pk, alice), book(second.pk, bob))
    won = [o for o in outcomes if isinstance(o, Booking)]
    refused = [o for o in outcomes if isinstance(o, StateConflict)]
    assert len(won) == 1 and len(refused) == 1, outcomes
    assert Booking.objects.filter(slot=slot).count() == 1
    loser = second if won[0].application_id == first.pk else first
    assert not loser.events.filter(type="site_visit_booked").exists()
    assert verify_all() == []
