"""The public disclosure pages in a real browser, on a phone (375 px) and a desktop (1280 px):
they load without login, fit the screen, draw the county map and charts server-side, and the apply
form tells the applicant whether the county has headroom before submitting."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bandian.grid.models import Feeder, Substation
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [
    ("/public/guide/", "用电报装办事指南"),
    ("/public/guide/lv_sanling/", "办事指南：低压小微企业（三零）"),
    ("/public/fees/", "收费项目目录清单"),
    ("/public/capacity/", "配电网接入能力和容量受限情况"),
    ("/public/statistics/", "获得电力公开统计"),
    ("/public/data/", "开放数据"),
]
VIEWPORTS = {"narrow": (375, 740), "wide": (1280, 900)}


@pytest.fixture
def grid(transactional_db):
    s1 = Substation.objects.create(code="S1", name="凯里110kV站", county_id="522601", voltage_kv=110)
    Feeder.objects.create(
        code="F1", name="城东线", substation=s1, county_id="522601", area_class="urban",
        rated_capacity_kva=10000, peak_load_kva=9600,
    )  # fmt: skip
    Feeder.objects.create(
        code="F2", name="城西线", substation=s1, county_id="522601", area_class="urban",
        rated_capacity_kva=10000, peak_load_kva=4000,
    )  # fmt: skip


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=list(VIEWPORTS))
def test_every_public_page_fits_the_screen_without_login(new_page, live_server, grid, viewport):
    page = new_page()
    page.set_viewport_size({"width": VIEWPORTS[viewport][0], "height": VIEWPORTS[viewport][1]})
    for path, heading in PAGES:
        page.goto(f"{live_server.url}{path}")
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        expect(page.locator("footer")).to_contain_text("95598")
        expect(page.locator("footer")).to_contain_text("12398")
        # Nothing wider than the screen: tables scroll inside their own box.
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, (path, viewport, overflow)
    page.goto(f"{live_server.url}/public/capacity/")
    county_map = page.locator("svg.county-map")
    expect(county_map).to_be_visible()
    assert county_map.locator("path").count() == 16
    box = county_map.bounding_box()
    assert box is not None and box["width"] <= VIEWPORTS[viewport][0]
    # A county on the map is a link to its feeders, constrained ones first.
    page.locator("svg.county-map a[href$='county=522601']").click()
    expect(page.locator("#county-522601-lines tbody tr").first).to_contain_text("F1 城东线")
    expect(page.locator("#county-522601-lines tbody tr").first).to_contain_text("受限")
    page.goto(f"{live_server.url}/public/statistics/")
    expect(page.locator("#handling-time svg")).to_be_visible()
    expect(page.locator("#reliability svg")).to_be_visible()
    for section in ("#service-ratings", "#outage-notices"):
        expect(page.locator(section)).to_be_visible()
        expect(page.locator(section)).to_contain_text("—")  # nothing rated or planned: no figure
    for path, heading in (("/public/ratings/", "服务评价公示"), ("/public/outages/", "停电信息")):
        page.goto(f"{live_server.url}{path}")
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, (path, viewport, overflow)


def test_the_guide_prints_without_the_navigation(new_page, live_server):
    page = new_page()
    page.goto(f"{live_server.url}/public/guide/hv_single/")
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.locator(".public-nav")).to_be_hidden()
    expect(page.locator("#documents")).to_be_visible()
    expect(page.locator("#complaints")).to_contain_text("12398")


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=list(VIEWPORTS))
def test_the_apply_form_says_whether_the_county_has_headroom(new_page, live_server, grid, alice, viewport):
    page = new_page()
    page.set_viewport_size({"width": VIEWPORTS[viewport][0], "height": VIEWPORTS[viewport][1]})
    sign_in(page, live_server.url, alice.username, PASSWORD)
    page.goto(f"{live_server.url}/applications/new/")
    page.select_option("#id_county", "522601")
    page.fill("#id_capacity_kw", "900")
    expect(page.locator("#capacity-check")).to_contain_text("凯里市目前有 1 条馈线可接入约 1000 kVA")
    page.fill("#id_capacity_kw", "9000")
    expect(page.locator("#capacity-check")).to_contain_text("凯里市目前没有馈线有约 10000 kVA 的余量")
    page.select_option("#id_county", "522622")
    expect(page.locator("#capacity-check")).to_contain_text("黄平县暂无公开的接入能力数据")
