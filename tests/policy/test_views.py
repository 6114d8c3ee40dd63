"""The public policy page /policy/ and GET /api/v1/policy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse

from bandian.policy.loader import active_policy
from tests.conftest import client_for

POLICY = Path(settings.BASE_DIR) / "policies" / "qiandongnan-2021.toml"

pytestmark = pytest.mark.django_db


def text(response) -> str:
    html = response.content.decode()
    main = html[html.index("<main>") : html.index("</main>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


@pytest.fixture
def other_policy(settings, tmp_path):
    """A policy in force that differs from the shipped one: hv_dual in 25 working days."""
    path = tmp_path / "other.toml"
    path.write_text(
        POLICY.read_text(encoding="utf-8")
        .replace(
            "total = 30\nsteps = { apply = 2, plan = 15, connect = 13 }",
            "total = 25\nsteps = { apply = 2, plan = 10, connect = 13 }",
        )
        .replace('name = "qiandongnan-2021"', 'name = "other-2030"'),
        encoding="utf-8",
    )
    settings.POLICY_FILE = path
    active_policy.cache_clear()
    yield
    active_policy.cache_clear()


def test_anyone_reads_the_time_limits_with_clock_dates_and_split():
    response = Client().get("/policy/")
    assert response.status_code == 200
    page = text(response)
    assert "黔东南发改能源〔2021〕57号" in page
    assert "低压小微企业（三零） 低压 全过程办电时间" in page
    assert "2021-01-01 – 2021-12-31 ≤ 20 受理申请 1；装表接电 19" in page
    assert "2022-01-01 起 ≤ 15 受理申请 1；装表接电 14" in page
    assert "高压双电源用户 高压 10(20) kV 合计办理时间" in page
    assert "≤ 30 受理申请 2；供电方案答复 15；装表接电 13" in page


def test_the_page_shows_steps_documents_and_visits():
    page = text(Client().get("/policy/"))
    assert (
        "居民用户 2 个环节（不超过 2 个）：受理申请 → 装表接电 "
        "2 份（不超过 2 份）：身份证明、房屋产权或用电地址权属证明" in page
    )
    assert "用电设备清单/负荷资料 最多跑 1 次" in page
    assert "零上门（0 次）" in page


def test_the_page_shows_approval_zero_investment_and_reliability():
    page = text(Client().get("/policy/"))
    assert "低压电力接入工程审批时间不超过 5 个工作日" in page
    assert "20 千伏及以下高压电力接入工程审批时间不超过 10 个工作日" in page
    assert "总时限不超过 5 个工作日" in page
    assert "电压等级 20 千伏及以下且管线长度不大于 300 米" in page
    assert "凯里城区 凯里市 城区 ≤ 160 kW 2020-01-01 起" in page
    assert "农村地区 全州各县（市） 农村地区 ≤ 100 kW 2021-12-31 起" in page
    assert "全州范围 全州各县（市） 城区和农村 ≤ 160 kW 2022-06-30 起" in page
    assert "2021 ≤ 3.1 ≤ 7.3 ≤ 11.2 ≤ 23" in page
    assert "2022 年起 ≤ 1.9 ≤ 4.9 ≤ 8.9 ≤ 15" in page


def test_the_page_shows_pause_reasons_and_counting_rules():
    page = text(Client().get("/policy/"))
    for reason in ("客户未具备接电条件", "客户要求延后办理", "客户自建工程施工中", "客户尚未提供规定资料"):
        assert reason in page
    assert "每 24 小时计 1 个工作日" in page
    assert "30 天内重新申请的" in page


def test_the_page_reads_in_english():
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = text(client.get("/policy/"))
    assert "Low-voltage small business (three zeros)" in page
    assert "Identity document" in page


@time_machine.travel("2026-06-01 10:00 +0800", tick=False)  # before the calendar's horizon banner shows
def test_signed_in_users_of_every_role_see_the_same_page(alice, cm, supervisor):
    anonymous = text(Client().get("/policy/"))
    for user in (alice, cm, supervisor):
        assert text(client_for(user).get("/policy/")) == anonymous


def test_the_page_cannot_be_written_to(alice):
    assert Client().post("/policy/").status_code == 405
    assert client_for(alice).post("/policy/").status_code == 405


def test_the_page_shows_the_policy_in_force(other_policy):
    page = text(Client().get("/policy/"))
    assert "other-2030" in page
    assert "≤ 25 受理申请 2；供电方案答复 10；装表接电 13" in page


def test_the_url_is_named():
    assert reverse("policy:show") == "/policy/"
    assert reverse("api:policy") == "/api/v1/policy"


# The API.


def test_the_api_returns_the_policy_as_json_without_login():
    response = Client().get("/api/v1/policy")
    assert response.status_code == 200
    data = response.json()
    assert data["policy"]["document"] == "黔东南发改能源〔2021〕57号"
    assert data["policy"]["issued"] == "2021-07-13"
    assert data["classes"]["lv_sanling"]["clock"] == "full_process"
    assert data["classes"]["lv_sanling"]["limits"][1] == {
        "from": "2022-01-01",
        "to": None,
        "total": 15,
        "steps": {"apply": 1, "connect": 14},
    }
    assert data["classes"]["hv_single"]["documents"] == ["business_licence", "property_proof", "load_list"]
    assert data["classes"]["lv_sanling"]["visits_max"] == 0
    assert data["approval"]["access_limits"] == [
        {"from": "2021-01-01", "to": None, "low_voltage_workdays": 5, "high_voltage_workdays": 10}
    ]
    assert data["approval"]["parallel_limits"] == [{"from": "2021-01-01", "to": None, "workdays": 5}]
    assert {r["key"]: r["from"] for r in data["zero_investment"]}["prefecture"] == "2022-06-30"
    assert data["reliability"][1] == {
        "from_year": 2022,
        "to_year": None,
        "central": 1.9,
        "urban": 4.9,
        "town": 8.9,
        "rural": 15.0,
    }
    assert set(data["pause_reasons"]) == {
        "customer_not_ready",
        "customer_requested_date",
        "customer_works",
        "awaiting_document",
    }
    assert data["counting"]["restart_window_days"] == 30


def test_the_api_answers_with_and_without_trailing_slash(alice):
    plain = Client().get("/api/v1/policy").json()
    assert Client().get("/api/v1/policy/").json() == plain
    assert client_for(alice).get("/api/v1/policy").json() == plain


def test_the_api_shows_the_policy_in_force(other_policy):
    data = Client().get("/api/v1/policy").json()
    assert data["policy"]["name"] == "other-2030"
    assert data["classes"]["hv_dual"]["limits"][0]["total"] == 25


def test_the_api_is_read_only(alice):
    assert Client().post("/api/v1/policy", data={}, content_type="application/json").status_code == 405
    assert client_for(alice).delete("/api/v1/policy").status_code == 405


def test_the_api_is_documented_at_its_exact_path():
    spec = Client().get("/api/v1/openapi.json").json()
    assert "get" in spec["paths"]["/api/v1/policy"]
    assert "/api/v1/policy/" not in spec["paths"]
