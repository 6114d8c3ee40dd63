"""The public outage page in a real browser, no login, on a phone and on a desktop: the county
map and the list (side by side when wide, the list below the map when narrow), nothing wider
than the screen, a county chosen on the map."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bandian.outages import faults, planned
from tests.grid.builders import build_grid
from tests.grid.conftest import operator  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def outages(db, operator):  # noqa: F811
    grid = build_grid()
    now = timezone.now()
    fault, _ = faults.fault_report(
        feeder=grid.feeder, transformers=[grid.transformers["T2"]], cause="external",
        start=now - dt.timedelta(hours=1), area="城东路 21-40 号", actor=operator,
    )  # fmt: skip
    estimate = now + dt.timedelta(hours=3)
    faults.progress_add(event=fault, stage="estimate", estimated_restoration=estimate, actor=operator)
    plan, _ = planned.planned_create(
        feeder=grid.other_feeder, start=now + dt.timedelta(days=9), end=now + dt.timedelta(days=9, hours=4),
        works="线路检修", area="新州镇老街", actor=operator,
    )  # fmt: skip
    return fault, plan


@pytest.mark.parametrize(("width", "height"), [(375, 800), (1280, 900)])
def test_the_public_page_on_a_narrow_and_a_wide_screen(new_page, live_server, outages, width, height):
    fault, plan = outages
    page = new_page()
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/public/outages/")
    expect(page.locator(f"#{fault.reference}")).to_contain_text("城东路 21-40 号")
    expect(page.locator(f"#{fault.reference} .progress")).to_contain_text("预计恢复送电时间")
    expect(page.locator(f"#{plan.reference}")).to_contain_text("新州镇老街")
    county_map = page.locator("#outage-map svg")
    expect(county_map).to_be_visible()
    assert page.locator("#outage-map path[data-adcode]").count() == 16
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing wider than the screen
    map_box, list_box = county_map.bounding_box(), page.locator("#outage-list").bounding_box()
    assert map_box and list_box and map_box["width"] > 0.3 * min(width, 700)
    if width < 700:
        assert list_box["y"] >= map_box["y"] + map_box["height"] - 1  # below the map
    else:
        assert list_box["x"] >= map_box["x"] + map_box["width"] - 1  # beside it
    page.locator("#outage-map a[aria-label^='黄平县']").click()
    expect(page).to_have_url(f"{live_server.url}/public/outages/?county=522622")
    expect(page.locator(f"#{plan.reference}")).to_be_visible()
    expect(page.locator(f"#{fault.reference}")).to_have_count(0)
    expect(page.locator("#county-feed")).to_have_attribute("href", "/public/outages/feed/522622/")
