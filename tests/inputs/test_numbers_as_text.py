"""Numbers that come as text: `str.isdigit()` takes "²" and "①" and `int()` refuses them (and
more than 4,300 digits). The year pages and the inbox answer such input with a clear refusal,
never a 500."""

from __future__ import annotations

import pytest

from bandian.notify.models import Message
from bandian.notify.services import notify
from bandian.workdays.models import CalendarYear
from bandian.workdays.selectors import forget_calendar
from tests.conftest import client_for

YEAR_PAGES = ["/reliability/", "/supervision/compliance/", "/supervision/approvals/"]
NOT_A_YEAR = ["²", "²⁰²⁶", "２０２６", "①", "9" * 4301, "\x00", "1", "9999", "2026\x00"]


@pytest.mark.parametrize("page", YEAR_PAGES)
@pytest.mark.parametrize("year", NOT_A_YEAR)
def test_year_pages_refuse_what_is_not_a_year_of_the_calendar(supervisor, page, year):
    response = client_for(supervisor).get(page, {"year": year})
    assert response.status_code == 400
    held = sorted(CalendarYear.objects.values_list("year", flat=True))
    assert f"{held[0]} 至 {held[-1]}" in response.content.decode()


@pytest.mark.parametrize("page", YEAR_PAGES)
def test_year_pages_take_a_year_the_calendar_holds(supervisor, page):
    response = client_for(supervisor).get(page, {"year": " 2025 "})
    assert response.status_code == 200
    assert "2025" in response.content.decode()


@pytest.mark.parametrize("page", YEAR_PAGES[1:])
def test_a_year_loaded_into_the_calendar_can_be_asked_for(supervisor, page):
    assert client_for(supervisor).get(page, {"year": "2031"}).status_code == 400
    CalendarYear.objects.create(year=2031, source="test")
    forget_calendar()
    assert client_for(supervisor).get(page, {"year": "2031"}).status_code == 200


def test_reliability_is_not_asked_for_a_year_that_has_not_started(supervisor):
    CalendarYear.objects.create(year=2031, source="test")
    forget_calendar()
    assert client_for(supervisor).get("/reliability/", {"year": "2031"}).status_code == 400


@pytest.mark.parametrize("raw", ["²", "①", "١", "9" * 4301, "9" * 30, "-1", " ", "1e3"])
def test_marking_a_message_read_with_an_id_that_is_no_number_changes_nothing(alice, raw):
    mine = notify(subject="a", body="a", recipient=alice, sms=False)[0]
    response = client_for(alice).post("/notify/inbox/read/", {"id": raw})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.read_at is None


def test_marking_a_message_read_by_its_id_still_works(alice):
    mine, other = (notify(subject=s, body=s, recipient=alice, sms=False)[0] for s in "ab")
    client_for(alice).post("/notify/inbox/read/", {"id": f" {mine.pk} "})
    assert Message.objects.get(pk=mine.pk).read_at is not None
    assert Message.objects.get(pk=other.pk).read_at is None
