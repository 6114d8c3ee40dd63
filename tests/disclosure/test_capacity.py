"""Grid access capacity: the feeder an answered supply plan names, the capacity it reserves, the
public page, the API, the CSV and the apply form's check."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from django.test import Client

from bandian.accounts.auth import issue_token
from bandian.applications import services
from bandian.applications.models import Application, Event
from bandian.core.errors import ServiceError
from bandian.disclosure.capacity import capacity_report, county_check
from bandian.grid.models import Feeder, Substation
from tests.conftest import client_for, submitted
from tests.disclosure.helpers import HOTLINES, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def grid(db):
    s1 = Substation.objects.create(
        code="S1", name="凯里110kV站", county_id="522601", voltage_kv=110, rated_capacity_kva=40000, peak_load_kva=20000
    )
    s9 = Substation.objects.create(code="S9", name="黄平35kV站", county_id="522622", voltage_kv=35)
    return {
        "F1": Feeder.objects.create(
            code="F1",
            name="城东线",
            substation=s1,
            county_id="522601",
            area_class="urban",
            rated_capacity_kva=10000,
            peak_load_kva=5000,
        ),
        "F2": Feeder.objects.create(
            code="F2",
            name="工业园线",
            substation=s1,
            county_id="522601",
            area_class="urban",
            rated_capacity_kva=10000,
            peak_load_kva=9500,
        ),
        "F9": Feeder.objects.create(
            code="F9", name="新州线", substation=s9, county_id="522622", area_class="rural", rated_capacity_kva=6000
        ),
    }


@pytest.fixture
def at_plan(alice, kaili, cm, pm):
    """An lv_general application of Kaili (900 kW) whose first step is done: the plan is next."""
    app = submitted(alice, kaili, "lv_general", capacity_kw=Decimal("900"), voltage_kv=Decimal("0.4"), urban=False)
    return services.stage_complete(application=app, stage="apply", actor=cm)


def bearer(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {issue_token(user, label='t')}")


def test_the_plan_step_names_the_feeder_and_reserves_its_capacity(grid, at_plan, cm):
    app = services.stage_complete(application=at_plan, stage="plan", actor=cm, feeder="F1")
    assert app.feeder == grid["F1"]
    event = Event.objects.filter(application=app, type="stage_completed", stage="plan").get()
    assert event.data == {"feeder": "F1"}
    kaili = capacity_report().county("522601")
    f1 = next(f for f in kaili.feeders if f.code == "F1")
    assert f1.reserved_kva == 1000.0  # 900 kW / 0.9
    assert f1.reserving_applications == 1
    assert f1.headroom_kva == 4000.0 and f1.headroom_share == 0.4 and f1.status == "green"
    s1 = kaili.substations[0]
    assert s1.reserved_kva == 1000.0 and s1.headroom_kva == 19000.0


def test_energising_or_withdrawing_releases_the_reservation(grid, at_plan, cm, pm, alice):
    app = services.stage_complete(application=at_plan, stage="plan", actor=cm, feeder="F2")
    f2 = next(f for f in capacity_report().county("522601").feeders if f.code == "F2")
    assert (f2.reserved_kva, f2.headroom_kva, f2.status) == (1000.0, -500.0, "red")
    services.stage_complete(application=app, stage="connect", actor=pm)
    f2 = next(f for f in capacity_report().county("522601").feeders if f.code == "F2")
    assert (f2.reserved_kva, f2.headroom_kva, f2.status) == (0.0, 500.0, "red")  # 5 % left
    other = submitted(alice, app.county, "lv_general", capacity_kw=Decimal("180"), voltage_kv=Decimal("0.4"))
    other = services.stage_complete(application=other, stage="apply", actor=cm)
    other = services.stage_complete(application=other, stage="plan", actor=cm, feeder="F1")
    assert next(f for f in capacity_report().county("522601").feeders if f.code == "F1").reserved_kva == 200.0
    services.application_withdraw(application=other, actor=alice, note="不需要了")
    assert next(f for f in capacity_report().county("522601").feeders if f.code == "F1").reserved_kva == 0.0


@pytest.mark.parametrize(
    ("stage_first", "feeder", "message"),
    [
        (False, "F9", "不属于本申请所在的县"),
        (False, "NOPE", "没有编号为 NOPE 的馈线"),
        (True, "F1", "只能在答复供电方案时"),
    ],
)
def test_a_feeder_of_another_county_or_step_is_refused_and_changes_nothing(
    grid, alice, kaili, cm, at_plan, stage_first, feeder, message
):
    app = at_plan
    stage = "plan"
    if stage_first:
        app = submitted(alice, kaili, "lv_general", capacity_kw=Decimal("50"), voltage_kv=Decimal("0.4"))
        stage = "apply"
    before = (app.event_count, app.current_stage)
    with pytest.raises(ServiceError, match=message):
        services.stage_complete(application=app, stage=stage, actor=cm, feeder=feeder)
    app.refresh_from_db()
    assert (app.event_count, app.current_stage, app.feeder_id) == (*before, None)


def test_the_api_completes_the_plan_with_its_feeder(grid, at_plan, cm, cm_elsewhere):
    url = f"/api/v1/applications/{at_plan.no}/complete-step"
    refused = bearer(cm).post(url, json.dumps({"stage": "plan", "feeder": "F9"}), content_type="application/json")
    assert refused.status_code == 400 and "不属于本申请所在的县" in refused.json()["detail"]
    outsider = bearer(cm_elsewhere).post(
        url, json.dumps({"stage": "plan", "feeder": "F1"}), content_type="application/json"
    )
    assert outsider.status_code in (403, 404)
    at_plan.refresh_from_db()
    assert at_plan.feeder_id is None and at_plan.current_stage == "plan"
    done = bearer(cm).post(url, json.dumps({"stage": "plan", "feeder": "F1"}), content_type="application/json")
    assert done.status_code == 200, done.json()
    assert Application.objects.get(pk=at_plan.pk).feeder == grid["F1"]


def test_the_staff_form_offers_only_the_county_feeders(grid, at_plan, cm):
    staff = client_for(cm)
    page = staff.get(f"/applications/{at_plan.no}/").content.decode()
    assert 'name="complete-feeder"' in page
    assert '<option value="F1">' in page and '<option value="F9">' not in page
    refused = staff.post(f"/applications/{at_plan.no}/complete/", {"stage": "plan", "complete-feeder": "F9"})
    assert refused.status_code == 400
    at_plan.refresh_from_db()
    assert at_plan.current_stage == "plan"
    staff.post(f"/applications/{at_plan.no}/complete/", {"stage": "plan", "complete-feeder": "F1"})
    at_plan.refresh_from_db()
    assert at_plan.feeder == grid["F1"] and at_plan.current_stage == "connect"


def test_the_public_page_lists_constrained_feeders_first_with_the_map(grid, at_plan, cm):
    services.stage_complete(application=at_plan, stage="plan", actor=cm, feeder="F1")
    response = Client().get("/public/capacity/", {"county": "522601"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<path id="county-') == 16
    page = text(response)
    assert page.index("F2 工业园线") < page.index("F1 城东线")
    assert "F1 城东线 市区 10000 5000 1000 （1 件） 4000（40%） 充裕" in page
    assert "F2 工业园线 市区 10000 9500 0 500（5%） 受限" in page
    assert "S1 凯里110kV站 40000 20000 1000 （1 件） 19000（48%） 充裕" in page
    for number in HOTLINES:
        assert number in page
    # No personal data: not the applicant's name, phone, address or application number.
    assert at_plan.no not in html and at_plan.address not in html and at_plan.phone not in html


def test_the_api_and_csv_give_the_same_figures(grid):
    data = Client().get("/api/v1/public/capacity", {"county": "522601"}).json()
    assert [c["county"] for c in data["counties"]] == ["522601"]
    assert data["policy"] == "qiandongnan-2021" and data["generated_at"]
    kaili = data["counties"][0]
    assert [f["code"] for f in kaili["feeders"]] == ["F2", "F1"]
    assert kaili["feeders"][0]["status"] == "red" and kaili["feeders"][1]["status"] == "green"
    assert kaili["headroom_kva"] == 5500.0 and kaili["headroom_share"] == 0.275 and kaili["status"] == "amber"
    everything = Client().get("/api/v1/public/capacity").json()
    assert len(everything["counties"]) == 16
    huangping = next(c for c in everything["counties"] if c["county"] == "522622")
    assert huangping["feeders"][0]["status"] == "unknown" and huangping["status"] == "unknown"
    rows = list(csv.DictReader(io.StringIO(Client().get("/public/capacity.csv").content.decode())))
    f2 = next(r for r in rows if r["code"] == "F2")
    assert (f2["level"], f2["headroom_kva"], f2["status"], f2["policy"]) == (
        "feeder",
        "500.0",
        "red",
        "qiandongnan-2021",
    )
    assert f2["generated_at"].startswith("20")
    assert {r["code"] for r in rows} == {"S1", "S9", "F1", "F2", "F9"}


@pytest.mark.parametrize("query", [{"county": "999999"}, {"county": "凯里"}, {"year": "2026"}])
def test_bad_parameters_are_a_clear_400(grid, query):
    api = Client().get("/api/v1/public/capacity", query)
    assert api.status_code == 400 and api.json()["detail"]
    if "county" in query:
        assert Client().get("/public/capacity/", query).status_code == 400
        assert Client().get("/public/capacity.csv", query).status_code == 400


def test_writes_are_refused(grid):
    assert Client().post("/api/v1/public/capacity").status_code == 405
    assert Client().post("/public/capacity/").status_code == 405
    assert Client().post("/public/capacity.csv").status_code == 405
    assert Client().delete("/public/capacity/check/").status_code == 405


def test_the_apply_form_tells_whether_the_county_has_headroom(grid, alice):
    page = client_for(alice).get("/applications/new/").content.decode()
    assert 'hx-get="/public/capacity/check/"' in page
    fits = text(Client().get("/public/capacity/check/", {"county": "522601", "capacity_kw": "90"}))
    assert "凯里市目前有 2 条馈线可接入约 100 kVA" in fits
    tight = text(Client().get("/public/capacity/check/", {"county": "522601", "capacity_kw": "4950"}))
    assert "凯里市目前没有馈线有约 5500 kVA 的余量（单条馈线最多 5000 kVA）" in tight
    unknown = text(Client().get("/public/capacity/check/", {"county": "522622", "capacity_kw": "10"}))
    assert "黄平县暂无公开的接入能力数据" in unknown
    bad = Client().get("/public/capacity/check/", {"county": "522601", "capacity_kw": "-3"})
    assert "容量应为大于 0 的数字" in bad.content.decode()
    assert county_check("522601", 90).feeders_with_room == 2
