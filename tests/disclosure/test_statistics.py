"""Public statistics: the supervisors' figures for the same year and county, nothing over fewer
than five applications, no personal data, downloads with their generation time and policy."""

from __future__ import annotations

import csv
import io
import math

import openpyxl
import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bandian.applications.compliance import compliance_summary
from bandian.applications.importer import ingest_record
from bandian.disclosure.statistics import public_statistics
from tests.conftest import client_for
from tests.disclosure.helpers import HOTLINES, text
from tests.supervision.conftest import residential

pytestmark = pytest.mark.django_db

NOW = "2026-12-01 10:00 +0800"


def kaili(n: int, *, county: str = "522601", prefix: str = "K") -> list[str]:
    """n residential applications energised in 2026, each a day later than the one before."""
    nos = []
    for i in range(n):
        day = 2 + i
        no = f"{prefix}-{i:03d}"
        record = residential(
            no, f"2026-03-{day:02d}T09:00:00", f"2026-03-{day:02d}T15:00:00", f"2026-03-{day + 2 + i % 4:02d}T11:00:00"
        )
        record["county"] = county
        record["address"] = f"凯里市秘密路 {i} 号"
        ingest_record(record)
        nos.append(no)
    return nos


@pytest.fixture
def data():
    kaili(7)
    kaili(3, county="522622", prefix="H")
    cache.clear()


@time_machine.travel(NOW, tick=False)
def test_the_public_figures_equal_the_supervision_figures_for_the_same_year_and_county(data, supervisor):
    for county in ("522601", None):
        public = {c.customer_class: c for c in public_statistics(2026, county=county).classes}
        supervision = compliance_summary(2026, county=county).by_class  # what the supervisors' page reads
        res = public["residential"]
        s = supervision["residential"]
        assert (res.count, res.mean_workdays, res.p90_workdays, res.within_limit_share) == (
            s.count,
            s.mean_workdays,
            s.p90_workdays,
            s.within_limit_share,
        )
    # And the county's figure is the supervisors' whole report narrowed to that county's numbers.
    report = client_for(supervisor).get("/api/v1/supervision/compliance", {"year": 2026}).json()
    rows = [r for r in report["applications"] if r["no"].startswith("K-")]
    mean = round(math.fsum(r["full_process_workdays"] for r in rows) / len(rows), 3)
    res = next(c for c in public_statistics(2026, county="522601").classes if c.customer_class == "residential")
    assert res.count == 7 and res.mean_workdays == mean
    assert res.within_limit_share == round(sum(r["within_limit"] for r in rows) / 7, 4)


@time_machine.travel(NOW, tick=False)
def test_fewer_than_five_applications_show_no_figure(data):
    huangping = next(c for c in public_statistics(2026, county="522622").classes if c.customer_class == "residential")
    assert not huangping.published
    assert (huangping.count, huangping.mean_workdays, huangping.within_limit_share) == (None, None, None)
    page = text(Client().get("/public/statistics/", {"year": "2026", "county": "522622"}))
    assert "居民用户 — 5 — — —" in page
    everyone = next(c for c in public_statistics(2026).classes if c.customer_class == "residential")
    assert everyone.count == 10


@time_machine.travel(NOW, tick=False)
def test_the_page_shows_charts_with_tables_and_no_personal_data(data):
    response = Client().get("/public/statistics/", {"year": "2026", "county": "522601"})
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 2 and html.count("<table") >= 7
    )  # no ratings: no chart
    page = text(response)
    assert "凯里市 · 2026 年（截至 2026-12-01 10:00）" in page
    assert "居民用户 7 5" in page
    for number in HOTLINES:
        assert number in page
    assert "K-000" not in html and "秘密路" not in html and "13800000001" not in html


@time_machine.travel(NOW, tick=False)
def test_the_api_csv_and_excel_carry_the_same_figures_with_time_and_policy(data):
    data_ = Client().get("/api/v1/public/statistics", {"year": "2026", "county": "522601"}).json()
    res = next(c for c in data_["classes"] if c["customer_class"] == "residential")
    assert data_["policy"] == "qiandongnan-2021" and data_["generated_at"].startswith("2026-12-01T02:00")
    assert res["count"] == 7
    rows = list(
        csv.DictReader(
            io.StringIO(Client().get("/public/statistics.csv", {"year": "2026", "county": "522601"}).content.decode())
        )
    )
    line = next(r for r in rows if r["section"] == "handling_time" and r["key"] == "residential")
    assert (line["count"], line["mean"], line["policy"]) == ("7", str(res["mean_workdays"]), "qiandongnan-2021")
    assert line["generated_at"].startswith("2026-12-01T10:00")
    response = Client().get("/public/statistics.xlsx", {"year": "2026", "county": "522601"})
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book["statistics"]
    header = [c.value for c in sheet[1]]
    found = next(
        r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == "handling_time" and r[1] == "residential"
    )
    assert found[header.index("count")] == 7 and found[header.index("mean")] == res["mean_workdays"]
    about = dict(book["about"].iter_rows(values_only=True))
    assert about["policy"] == "qiandongnan-2021" and about["generated_at"].startswith("2026-12-01T10:00")


@time_machine.travel(NOW, tick=False)
def test_a_new_event_invalidates_the_cached_figures(data):
    before = next(c for c in public_statistics(2026, county="522601").classes if c.customer_class == "residential")
    kaili(1, prefix="NEW")
    after = next(c for c in public_statistics(2026, county="522601").classes if c.customer_class == "residential")
    assert (before.count, after.count) == (7, 8)


@pytest.mark.parametrize(
    "query", [{"year": "1999"}, {"year": "20x6"}, {"year": "２０２６"}, {"county": "000000"}, {"month": "3"}]
)
def test_bad_parameters_are_a_clear_400_and_writes_are_refused(query):
    api = Client().get("/api/v1/public/statistics", query)
    assert api.status_code == 400 and api.json()["detail"]
    if "month" not in query:
        assert Client().get("/public/statistics/", query).status_code == 400
        assert Client().get("/public/statistics.csv", query).status_code == 400
        assert Client().get("/public/statistics.xlsx", query).status_code == 400
    assert Client().post("/api/v1/public/statistics").status_code == 405
    assert Client().post("/public/statistics/").status_code == 405


def _reads_the_years_events(queries) -> bool:
    return any("applications_event" in q["sql"] and "energised_at" in q["sql"] for q in queries)


@time_machine.travel(NOW, tick=False)
def test_an_application_of_another_year_keeps_the_years_figures_cached(data):
    public_statistics(2026, county="522601")
    ingest_record(residential("OLD-1", "2025-03-02T09:00:00", "2025-03-02T15:00:00", "2025-03-04T11:00:00"))
    with CaptureQueriesContext(connection) as queries:
        public_statistics(2026, county="522601")
    assert not _reads_the_years_events(queries.captured_queries)
    kaili(1, prefix="NEW")  # one of the year's and county's: computed again
    with CaptureQueriesContext(connection) as queries:
        after = public_statistics(2026, county="522601")
    assert _reads_the_years_events(queries.captured_queries)
    assert next(c for c in after.classes if c.customer_class == "residential").count == 8
