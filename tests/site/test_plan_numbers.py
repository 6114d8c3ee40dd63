"""Every number the pages promise comes from the policy in force: the home page's limits, the
footer's hotlines, the low-voltage capacity cap."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from bandian.applications.models import Application
from bandian.policy.loader import active_policy
from tests.conftest import client_for

POLICY = Path(settings.BASE_DIR) / "policies" / "qiandongnan-2021.toml"

pytestmark = pytest.mark.django_db


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def changed_policy(settings, tmp_path):
    """The shipped policy with other numbers: residential 4 days in 2 steps, 三零 up to 200 kW in 12,
    lv_general 7, hv_single 20, hv_dual 28, another service hotline, LV up to 2000 kW."""
    text = POLICY.read_text(encoding="utf-8")
    for old, new in [
        ("total = 5\nsteps = { apply = 1, connect = 4 }", "total = 4\nsteps = { apply = 1, connect = 3 }"),
        (
            "from = 2022-01-01\ntotal = 15\nsteps = { apply = 1, connect = 14 }",
            "from = 2022-01-01\ntotal = 12\nsteps = { apply = 1, connect = 11 }",
        ),
        ("[sanling]\nmax_kw = 160", "[sanling]\nmax_kw = 200"),
        (
            "total = 6\nsteps = { apply = 1, plan = 2, connect = 3 }",
            "total = 7\nsteps = { apply = 1, plan = 3, connect = 3 }",
        ),
        (
            "total = 22\nsteps = { apply = 2, plan = 10, connect = 10 }",
            "total = 20\nsteps = { apply = 2, plan = 8, connect = 10 }",
        ),
        (
            "total = 30\nsteps = { apply = 2, plan = 15, connect = 13 }",
            "total = 28\nsteps = { apply = 2, plan = 13, connect = 13 }",
        ),
        (
            'number = "95598"\nzh = "服务热线"\nen = "Service hotline"',
            'number = "0855-8221234"\nzh = "客服电话"\nen = "Customer line"',
        ),
        ("[low_voltage]\nmax_kw = 1600", "[low_voltage]\nmax_kw = 2000"),
    ]:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "changed.toml"
    path.write_text(text, encoding="utf-8")
    settings.POLICY_FILE = path
    active_policy.cache_clear()
    yield
    active_policy.cache_clear()


def test_the_home_page_shows_the_shipped_plan():
    page = words(Client().get("/").content.decode())
    assert "居民用户：全过程不超过 5 个工作日，2 个环节，2 份资料。" in page
    assert "低压小微企业（≤160 kW）" in page and "全过程不超过 15 个工作日" in page
    assert "其他低压非居民用户不超过 6 个工作日；高压单电源不超过 22 个、双电源不超过 30 个工作日" in page
    assert "服务热线 95598" in page and "能源监管热线 12398" in page


@pytest.mark.usefixtures("changed_policy")
def test_the_home_page_and_footer_follow_a_changed_policy_in_both_languages():
    page = words(Client().get("/").content.decode())
    assert "居民用户：全过程不超过 4 个工作日，2 个环节，2 份资料。" in page
    assert "低压小微企业（≤200 kW）" in page and "全过程不超过 12 个工作日" in page
    assert "其他低压非居民用户不超过 7 个工作日；高压单电源不超过 20 个、双电源不超过 28 个工作日" in page
    assert "客服电话 0855-8221234" in page and "能源监管热线 12398" in page
    assert "95598" not in page and "160" not in page and " 22 " not in page

    english = words(Client(headers={"accept-language": "en"}).get("/").content.decode())
    assert "Residential: at most 4 working days in all, 2 steps, 2 documents." in english
    assert "Low-voltage small businesses (≤200 kW)" in english and "at most 12 working days" in english
    assert "at most 7 working days; high voltage single supply at most 20, dual supply at most 28" in english
    assert "Customer line 0855-8221234" in english and "Energy regulation hotline 12398" in english


@pytest.mark.usefixtures("changed_policy")
def test_every_page_footer_names_the_policy_hotlines(alice):
    for client, url in [(Client(), "/policy/"), (Client(), "/accounts/login/"), (client_for(alice), "/applications/")]:
        footer = words(client.get(url).content.decode().split("<footer>")[1])
        assert "客服电话 0855-8221234" in footer and "能源监管热线 12398" in footer, url


LV_FORM = {
    "customer_class": "lv",
    "county": "522601",
    "area": "urban",
    "address": "凯里市北京东路 8 号",
    "capacity_kw": "1800",
    "voltage_kv": "0.38",
}


def test_the_shipped_policy_refuses_1800_kw_at_low_voltage(alice):
    response = client_for(alice).post("/applications/new/", LV_FORM)
    assert response.status_code == 200 and "低压报装容量过大" in response.content.decode()
    assert not Application.objects.exists()


@pytest.mark.usefixtures("changed_policy")
def test_a_higher_low_voltage_cap_in_the_policy_lets_1800_kw_in(alice):
    response = client_for(alice).post("/applications/new/", LV_FORM)
    assert response.status_code == 302
    assert Application.objects.get().capacity_kw == Decimal("1800")
