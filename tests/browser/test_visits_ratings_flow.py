"""Visit booking and the service rating in a real browser: the Kaili customer manager publishes
slots, the high-voltage applicant books one, the manager confirms it; a counter customer without
an account rates through the link of the SMS."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from playwright.sync_api import Page, expect

from bandian.applications.ratings.models import Rating
from bandian.applications.ratings.services import link_url
from bandian.applications.visits.models import Booking
from bandian.core.time import SHANGHAI
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, submitted
from tests.ratings.conftest import counter_customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

START = dt.datetime(2026, 6, 1, 9, 0, tzinfo=SHANGHAI)  # a Monday


@pytest.fixture
def monday_morning():
    with time_machine.travel(START, tick=True):
        yield


def test_publish_book_confirm(monday_morning, _sessions_without_expiry, new_page, live_server, alice, kaili, cm, pm):
    app = submitted(alice, kaili, "hv_single", capacity_kw=Decimal("630"))
    manager: Page = new_page()
    manager.set_default_timeout(60_000)  # a loaded machine; the flow itself waits for nothing
    sign_in(manager, live_server.url, cm.username, PASSWORD)
    manager.goto(f"{live_server.url}/visits/")
    manager.fill("#id_first", "2026-06-03")
    manager.fill("#id_last", "2026-06-03")
    manager.click("#publish-slots")
    expect(manager.locator("#my-slots tbody tr")).to_have_count(2)

    applicant: Page = new_page()
    applicant.set_default_timeout(60_000)
    sign_in(applicant, live_server.url, alice.username, PASSWORD)
    applicant.goto(f"{live_server.url}/applications/{app.no}/")
    applicant.click("#visit-booking-link a")
    applicant.locator("#slots input[type=radio]").first.check()
    applicant.click("#book")
    expect(applicant.locator("#booking-time")).to_contain_text("2026-06-03 09:00")
    expect(applicant.locator("#booking-status")).to_contain_text("待确认")

    manager.goto(f"{live_server.url}/visits/")
    manager.get_by_role("button", name="确认").click()
    expect(manager.locator("#bookings")).to_contain_text("客户经理已确认")
    applicant.reload()
    expect(applicant.locator("#booking-status")).to_contain_text("客户经理已确认")
    assert Booking.objects.get().status == "confirmed"


def test_a_counter_customer_rates_through_the_link(monday_morning, new_page, live_server, kaili, cm, pm, counter):
    app = counter_customer(counter, kaili, cm)
    path = re.sub(r"^https?://[^/]+", "", link_url(app))
    page: Page = new_page()
    page.goto(f"{live_server.url}{path}")
    page.get_by_label("不满意", exact=True).check()
    page.fill("#id_comment", "装表等了很久")
    page.click("#submit-rating")
    expect(page.locator("#rating-level")).to_have_text("不满意")
    expect(page.locator("#follow-up")).to_contain_text("待回访")
    rating = Rating.objects.get()
    assert rating.channel == "sms_link" and rating.follow_up.due_at > rating.rated_at
