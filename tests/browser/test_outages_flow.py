"""An outage, in a real browser: a grid operator enters it, restores it in two steps and closes it;
a supervisor then finds the feeder on the reliability dashboard."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from playwright.sync_api import expect

from bandian.accounts.models import Role
from bandian.core.time import SHANGHAI
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, make_user
from tests.grid.builders import Grid, build_grid

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOW = dt.datetime(2026, 6, 2, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def tuesday_morning():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def grid(db) -> Grid:
    """Feeder F1 in Kaili: public transformers T1, T2, T3 and the HV customer H1 (four MV users)."""
    return build_grid()


def test_an_operator_restores_an_outage_in_steps_and_the_supervisor_sees_the_feeder(
    new_page, live_server, grid, supervisor, tuesday_morning, _sessions_without_expiry
):
    base = live_server.url
    operator = make_user("op-kaili", Role.GRID_OPERATOR, "522601")

    # Yesterday 08:00 a fault took the whole of F1 out.
    page = new_page()
    sign_in(page, base, operator.username, PASSWORD)
    page.goto(f"{base}/outages/")
    page.click("#event-new")
    expect(page).to_have_url(f"{base}/outages/new/")
    page.fill("#id_feeder", "F1")
    page.select_option("#id_kind", "fault")
    page.select_option("#id_cause", "internal")
    page.fill("#id_start", "2026-06-01T08:00")
    page.fill("#id_description", "10kV城东线 3 号杆绝缘子击穿")
    page.get_by_role("button", name="录入").click()
    expect(page).to_have_url(re.compile(r"/outages/[^/]+/$"))
    assert not page.url.endswith("/outages/new/")
    event_url = page.url
    expect(page.locator("#affected tbody tr")).to_have_count(4)
    expect(page.locator("#event-status")).to_contain_text("已复电 0 / 4")
    expect(page.locator("#close-form")).to_have_count(0)  # nobody is back yet

    # 09:30: T1 and T2 are back.
    page.fill("#id_at", "2026-06-01T09:30")
    page.uncheck("#id_all_remaining")
    for code in ("T1", "T2"):
        page.check(f"#step-users input[value='{grid.users[code].pk}']")
    page.fill("#id_note", "隔离故障段后恢复")
    page.get_by_role("button", name="记录", exact=True).click()
    expect(page).to_have_url(event_url)
    expect(page.locator("#event-status")).to_contain_text("已复电 2 / 4")
    expect(page.locator("#affected tr[data-user=T1]")).to_contain_text("2026-06-01 09:30")
    expect(page.locator("#affected tr[data-user=T3]")).to_contain_text("未复电")
    expect(page.locator("#step-users input")).to_have_count(2)  # only T3 and H1 remain to choose
    expect(page.locator("#close-form")).to_have_count(0)

    # 11:00: all the rest, then the event is closed.
    page.fill("#id_at", "2026-06-01T11:00")
    expect(page.locator("#id_all_remaining")).to_be_checked()
    page.get_by_role("button", name="记录", exact=True).click()
    expect(page.locator("#event-status")).to_contain_text("已复电 4 / 4")
    expect(page.locator("#steps tbody tr")).to_have_count(2)
    expect(page.locator("#affected tr[data-user=H1]")).to_contain_text("2026-06-01 11:00")
    page.locator("#close-form").get_by_role("button", name="结束停电事件").click()
    expect(page.locator("#event-status")).to_contain_text("已结束")
    expect(page.locator("#step-form")).to_have_count(0)

    # The supervisor's dashboard for the year draws the chart and ranks F1 first:
    # 2 users × 1.5 h + 2 users × 3 h = 9 user-hours, 4 user-interruptions.
    watcher = new_page()
    sign_in(watcher, base, supervisor.username, PASSWORD)
    watcher.goto(f"{base}/reliability/?year=2026")
    expect(watcher.locator("#target-chart svg")).to_have_count(1)
    worst = watcher.locator("#worst-feeders tbody tr")
    expect(worst.first).to_have_attribute("data-code", "F1")
    expect(worst.first).to_contain_text("10kV城东线")
    expect(worst.first).to_contain_text("9.00")
    expect(worst.first.locator("td").nth(6)).to_have_text("4")
