"""The service guide (办事指南): every class from the policy in force, page and API alike."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client

from bandian.policy.loader import active_policy
from tests.disclosure.helpers import HOTLINES, edited_policy, text

pytestmark = pytest.mark.django_db

CLASSES = ("residential", "lv_sanling", "lv_general", "hv_single", "hv_dual")


@pytest.fixture
def use_policy(settings):
    def use(path):
        settings.POLICY_FILE = path
        active_policy.cache_clear()

    yield use
    active_policy.cache_clear()


@pytest.mark.parametrize("code", CLASSES)
def test_anyone_reads_each_class_guide_with_its_hotlines(code):
    response = Client().get(f"/public/guide/{code}/")
    assert response.status_code == 200
    page = text(response)
    for number in HOTLINES:
        assert number in page
    assert "供电企业不得要求提供其他任何资料" in page
    assert "客户尚未提供规定资料" in page  # a pause reason
    assert "进度查询" in page


def test_the_sanling_guide_states_steps_documents_visits_and_zero_investment():
    page = text(Client().get("/public/guide/lv_sanling/"))
    assert "2022-01-01 起提交的申请 现行有效 环节 时限（工作日） 1. 受理申请 ≤ 1 2. 装表接电 ≤ 14 合计 ≤ 15" in page
    assert "2021-01-01 – 2021-12-31 已停止适用" in page
    assert "营业执照或主体资格证明 房屋产权或用电地址权属证明 只需以上 2 份资料（不超过 2 份）" in page
    assert "零上门" in page
    assert (
        "农村地区：全州各县（市）的农村地区，用电容量不超过 100 kW 的低压小微企业，自 2021-12-31 起“零投资”接入。"
        in page
    )
    assert "告知承诺：电压 20 kV 及以下、线路长度不超过 300 米、不含电力井" in page
    assert "审批改备案：电压 0.4 kV 及以下、长度不超过 50 米" in page
    assert "合计不超过 5 个工作日" in page  # parallel approval


def test_high_voltage_guides_have_one_visit_and_no_zero_investment():
    page = text(Client().get("/public/guide/hv_dual/"))
    assert "最多跑 1 次" in page
    assert "“三零”服务和零投资" not in page
    assert "供电方案答复 ≤ 15" in page and "合计 ≤ 30" in page
    assert "供电企业办理时间" in page
    assert "本类用户不超过 10 个工作日" in page


def test_an_unknown_class_is_not_found_and_writes_are_refused():
    assert Client().get("/public/guide/nope/").status_code == 404
    assert Client().post("/public/guide/residential/").status_code == 405
    assert Client().post("/api/v1/public/guide").status_code == 405


def test_the_api_gives_the_same_guide():
    data = Client().get("/api/v1/public/guide").json()
    assert data["policy"]["document"] == "黔东南发改能源〔2021〕57号"
    by_code = {c["code"]: c for c in data["classes"]}
    assert list(by_code) == list(CLASSES)
    sanling = by_code["lv_sanling"]
    assert sanling["limit_in_force"]["total_workdays"] == 15
    assert [(lim["valid_from"], lim["state"]) for lim in sanling["limits"]] == [
        ("2021-01-01", "ended"),
        ("2022-01-01", "in_force"),
    ]
    assert [d["code"] for d in sanling["documents"]] == ["business_licence", "property_proof"]
    assert sanling["visits_max"] == 0
    assert {h["number"] for h in sanling["hotlines"]} == set(HOTLINES)
    assert [c["code"] for c in sanling["channels"]] == ["online", "counter", "phone"]


def test_english_labels_come_from_the_policy():
    data = Client().get("/api/v1/public/guide", HTTP_ACCEPT_LANGUAGE="en").json()
    assert data["classes"][0]["name"] == "Residential"
    assert data["classes"][0]["documents"][0]["name"] == "Identity document"


def test_a_changed_policy_changes_the_guide(tmp_path, use_policy):
    use_policy(
        edited_policy(
            tmp_path,
            (
                "total = 30\nsteps = { apply = 2, plan = 15, connect = 13 }",
                "total = 25\nsteps = { apply = 2, plan = 10, connect = 13 }",
            ),
            (
                'documents = ["business_licence", "property_proof", "load_list"]\nvisits_max = 1\n[[classes.hv_dual',
                'documents = ["business_licence", "property_proof"]\nvisits_max = 1\n[[classes.hv_dual',
            ),
        )
    )
    page = text(Client().get("/public/guide/hv_dual/"))
    assert "合计 ≤ 25" in page and "合计 ≤ 30" not in page
    assert "只需以上 2 份资料" in page and "用电设备清单" not in page
    hv_dual = Client().get("/api/v1/public/guide").json()["classes"][4]
    assert hv_dual["limit_in_force"]["total_workdays"] == 25


@time_machine.travel("2026-12-01 10:00 +0800", tick=False)
def test_a_later_dated_limit_is_shown_beside_the_one_in_force(tmp_path, use_policy):
    use_policy(
        edited_policy(
            tmp_path,
            (
                "[[classes.residential.limits]]\nfrom = 2021-01-01\ntotal = 5\nsteps = { apply = 1, connect = 4 }",
                "[[classes.residential.limits]]\nfrom = 2021-01-01\nto = 2026-12-31\ntotal = 5\n"
                "steps = { apply = 1, connect = 4 }\n"
                "[[classes.residential.limits]]\nfrom = 2027-01-01\ntotal = 3\nsteps = { apply = 1, connect = 2 }",
            ),
        )
    )
    page = text(Client().get("/public/guide/residential/"))
    assert "2021-01-01 – 2026-12-31 现行有效" in page
    assert "2027-01-01 起提交的申请 尚未施行" in page and "合计 ≤ 3" in page
    limits = Client().get("/api/v1/public/guide").json()["classes"][0]["limits"]
    assert [(lim["total_workdays"], lim["state"]) for lim in limits] == [(5, "in_force"), (3, "upcoming")]
    with time_machine.travel("2027-01-04 10:00 +0800", tick=False):
        limits = Client().get("/api/v1/public/guide").json()["classes"][0]["limits"]
    assert [(lim["total_workdays"], lim["state"]) for lim in limits] == [(5, "ended"), (3, "in_force")]


def test_the_index_links_every_class():
    response = Client().get("/public/guide/")
    html = response.content.decode()
    for code in CLASSES:
        assert f'href="/public/guide/{code}/"' in html


def test_the_fees_page_lists_each_item_with_its_legal_basis():
    response = Client().get("/public/fees/")
    page = text(response)
    assert (
        "高可靠性供电费（10千伏双电源，架空线路） 160.00 元/千伏安 示例金额，以当地价格主管部门文件为准 "
        "高压双电源用户 发改价格〔2003〕2279号" in page
    )
    assert "已取消全部对外常规作业收费项目" in page
    for number in HOTLINES:
        assert number in page
    assert Client().post("/public/fees/").status_code == 405


def test_without_a_catalogue_the_page_says_connection_is_free_of_charges(tmp_path, use_policy):
    source = edited_policy(tmp_path).read_text(encoding="utf-8")
    start, end = source.index("[[fees]]"), source.index("[[hotlines]]")
    path = tmp_path / "nofees.toml"
    path.write_text(source[:start] + source[end:], encoding="utf-8")
    use_policy(path)
    page = text(Client().get("/public/fees/"))
    assert "用电报装不收取任何常规作业费用" in page
    assert "高可靠性供电费" not in page
