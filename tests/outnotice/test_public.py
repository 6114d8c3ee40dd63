"""The public outage page, its JSON and its county feeds: no login, no personal data, bad
parameters refused clearly."""

from __future__ import annotations

import pytest
from django.test import Client

from bandian.outages import faults, planned
from tests.outnotice.conftest import at

pytestmark = pytest.mark.django_db
PAGE, API = "/public/outages/", "/api/v1/public/outages"


@pytest.fixture
def outages(grid, operator):
    fault, _ = faults.fault_report(
        feeder=grid.feeder, transformers=[grid.transformers["T2"]], cause="external", start=at(hours=-2),
        area="城东路 21-40 号", actor=operator,
    )  # fmt: skip
    faults.progress_add(event=fault, stage="estimate", estimated_restoration=at(hours=3), actor=operator)
    plan, _ = planned.planned_create(
        feeder=grid.feeder, transformers=[grid.transformers["T1"]], start=at(9), end=at(9, 5), works="更换配变",
        area="城东路 1-20 号", actor=operator,
    )  # fmt: skip
    elsewhere, _ = planned.planned_create(
        feeder=grid.other_feeder, start=at(10), end=at(10, 2), works="线路检修", area="新州镇", actor=operator
    )
    return fault, plan, elsewhere


def test_the_page_shows_current_and_planned_outages_without_a_login(outages):
    _fault, _plan, _elsewhere = outages
    page = Client().get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    for words in ("城东路 21-40 号", "外部原因", "预计恢复送电时间", "2026-06-02 13:00", "城东路 1-20 号", "新州镇"):
        assert words in html
    assert 'id="county-522601"' in html  # the map
    for private in ("张三", "13900000001", "赵经理", "某厂", "op-kaili"):
        assert private not in html


def test_one_county(outages):
    html = Client().get(PAGE, {"county": "522622"}).content.decode()
    assert "新州镇" in html and "城东路 1-20 号" not in html and "/public/outages/feed/522622/" in html


def test_bad_parameters_are_a_clear_400(outages):
    for params, words in (({"county": "999999"}, "999999"), ({"from": "2026-13-01"}, "YYYY-MM-DD"),
                          ({"from": "2026-06-10", "to": "2026-06-01"}, "to")):  # fmt: skip
        page = Client().get(PAGE, params)
        assert page.status_code == 400 and words in page.content.decode()
        answer = Client().get(API, params)
        assert answer.status_code == 400 and words in answer.json()["detail"]


def test_the_json_says_the_same(outages):
    fault, plan, _elsewhere = outages
    data = Client().get(API, {"county": "522601"}).json()
    assert data["county"] == "522601" and data["from"] == "2026-06-02"
    rows = {o["reference"]: o for o in data["outages"]}
    assert set(rows) == {fault.reference, plan.reference}
    assert rows[fault.reference]["status"] == "current" and rows[fault.reference]["progress"] == "预计恢复送电时间"
    assert rows[fault.reference]["estimated_restoration"] == "2026-06-02T13:00:00+08:00"
    assert (
        rows[plan.reference] | {} == rows[plan.reference] and rows[plan.reference]["end"] == "2026-06-11T15:00:00+08:00"
    )
    assert "张三" not in str(data) and "13900000001" not in str(data)


def test_a_window_that_ends_before_a_plan_leaves_it_out(outages):
    fault, plan, _elsewhere = outages
    refs = {o["reference"] for o in Client().get(API, {"to": "2026-06-05"}).json()["outages"]}
    assert fault.reference in refs and plan.reference not in refs


def test_the_county_feed(outages):
    _fault, _plan, _elsewhere = outages
    feed = Client().get("/public/outages/feed/522601/")
    assert feed.status_code == 200 and feed["Content-Type"].startswith("application/rss+xml")
    text = feed.content.decode()
    assert "城东路 21-40 号" in text and "城东路 1-20 号" in text and "新州镇" not in text
    assert Client().get("/public/outages/feed/999999/").status_code == 404
