"""The booking page, the manager's visit queue and the calendar feed, with the outsiders refused."""

from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar

from bandian.applications.visits import services
from bandian.applications.visits.models import Booking, CalendarFeed, VisitSlot
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_the_applicant_books_on_the_page_and_sees_it(hv_app, slots, alice):
    client = client_for(alice)
    detail = client.get(f"/applications/{hv_app.no}/")
    assert f"/visits/applications/{hv_app.no}/" in detail.content.decode()
    page = client.get(f"/visits/applications/{hv_app.no}/")
    assert page.status_code == 200 and f'value="{slots[0].pk}"' in page.content.decode()
    response = client.post(f"/visits/applications/{hv_app.no}/", {"slot": slots[0].pk})
    assert response.status_code == 302
    page = client.get(f"/visits/applications/{hv_app.no}/").content.decode()
    assert "2026-06-03 09:00" in page and "待确认" in page
    bad = client.post(f"/visits/applications/{hv_app.no}/", {"slot": "abc"})
    assert bad.status_code == 400 and "请选择一个时段" in bad.content.decode()
    assert client.post(f"/visits/applications/{hv_app.no}/", {"cancel": "1"}).status_code == 302
    assert Booking.objects.get().status == "cancelled"


def test_outsiders_cannot_see_or_book(hv_app, slots, mallory, cm, cm_elsewhere, supervisor):
    url = f"/visits/applications/{hv_app.no}/"
    assert client_for(None).get(url).status_code == 302  # to the login
    assert client_for(mallory).get(url).status_code == 404
    assert client_for(cm_elsewhere).post(url, {"slot": slots[0].pk}).status_code == 404
    assert client_for(cm).post(url, {"slot": slots[0].pk}).status_code == 403
    assert client_for(supervisor).post(url, {"slot": slots[0].pk}).status_code == 403
    assert not Booking.objects.exists()


def test_the_manager_publishes_confirms_and_subscribes(hv_app, slots, alice, cm, now):
    services.visit_book(application=hv_app, slot=slots[0], actor=alice)
    client = client_for(cm)
    queue = client.get("/visits/")
    assert queue.status_code == 200 and hv_app.no in queue.content.decode()
    published = client.post("/visits/slots/publish/", {"first": "2026-06-08", "last": "2026-06-09", "times": ["09:00"]})
    assert published.status_code == 302 and VisitSlot.objects.count() == 8
    saturday = client.post("/visits/slots/publish/", {"first": "2026-06-13", "times": ["09:00"]})
    assert saturday.status_code == 400 and "工作日" in saturday.content.decode()
    booking = Booking.objects.get()
    assert client.post(f"/visits/bookings/{booking.pk}/confirm/").status_code == 302
    assert Booking.objects.get().status == "confirmed"

    token = CalendarFeed.objects.get(manager=cm).token
    feed = client_for(None).get(f"/visits/feed/{token}.ics")
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
    [event] = Calendar.from_ical(feed.content).walk("VEVENT")
    assert str(event["summary"]) == f"现场勘查 {hv_app.no}"
    assert event.decoded("dtstart") == dt.datetime(2026, 6, 3, 1, 0, tzinfo=dt.UTC)
    assert str(event["status"]) == "CONFIRMED"

    assert client.post("/visits/feed/reset/").status_code == 302
    assert client_for(None).get(f"/visits/feed/{token}.ics").status_code == 404  # the old address is dead
    fresh = CalendarFeed.objects.get(manager=cm).token
    assert client_for(None).get(f"/visits/feed/{fresh}.ics").status_code == 200


def test_outsiders_cannot_use_the_managers_pages(hv_app, slots, alice, pm, cm_elsewhere, supervisor, cm):
    booking = services.visit_book(application=hv_app, slot=slots[0], actor=alice)
    assert client_for(None).get("/visits/").status_code == 302
    for user in (alice, pm, supervisor):
        assert client_for(user).get("/visits/").status_code == 403
        assert (
            client_for(user).post("/visits/slots/publish/", {"first": "2026-06-08", "times": ["09:00"]}).status_code
            == 403
        )
    # Another manager can neither confirm, cancel nor withdraw someone else's.
    other = client_for(cm_elsewhere)
    assert other.post(f"/visits/bookings/{booking.pk}/confirm/").status_code == 403
    assert other.post(f"/visits/bookings/{booking.pk}/cancel/", {"note": "x"}).status_code == 403
    assert other.post(f"/visits/slots/{slots[1].pk}/withdraw/").status_code == 403
    assert client_for(None).get("/visits/feed/not-a-token.ics").status_code == 404
    assert Booking.objects.get().status == "booked" and VisitSlot.objects.filter(withdrawn_at__isnull=True).count() == 6
