"""The pages: intake, the case, the department's queue, the decisions; who is refused where."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from bandian.accounts.models import County
from bandian.applications import services as app_services
from bandian.core.time import SHANGHAI
from bandian.permits import services
from bandian.permits.models import ApprovalCase, CaseStatus, ItemStatus
from tests.conftest import client_for, pdf_upload, submitted
from tests.permits.conftest import open_parallel

pytestmark = pytest.mark.django_db


def urls(case: ApprovalCase) -> dict[str, tuple[str, str]]:
    item = case.items.get(item_type="green_space")
    material = case.materials.first()
    return {
        "list": ("get", "/permits/"),
        "queue": ("get", "/permits/queue/"),
        "open": ("post", f"/permits/open/{case.application.no}/"),
        "case": ("get", f"/permits/cases/{case.no}/"),
        "document": ("get", f"/permits/cases/{case.no}/document/"),
        "material": ("get", f"/permits/cases/{case.no}/materials/{material.pk}/"),
        "supplement": ("post", f"/permits/cases/{case.no}/supplement/"),
        "completion": ("post", f"/permits/cases/{case.no}/completion/"),
        "withdraw": ("post", f"/permits/cases/{case.no}/withdraw/"),
        "decide": ("post", f"/permits/items/{item.pk}/decide/"),
        "restoration": ("post", f"/permits/items/{item.pk}/restoration/"),
    }


def call(user, method: str, url: str, data: dict | None = None):
    client = client_for(user)
    return client.post(url, data or {}) if method == "post" else client.get(url)


def test_anonymous_is_sent_to_sign_in_everywhere(case):
    for name, (method, url) in urls(case).items():
        response = call(None, method, url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], name


def test_an_applicant_and_staff_of_another_county_are_refused_everywhere(case, alice, mallory, cm_elsewhere):
    for user in (alice, mallory, cm_elsewhere):
        for name, (method, url) in urls(case).items():
            response = call(user, method, url)
            if user == cm_elsewhere and name == "list":  # their county's cases: not this one
                assert response.status_code == 200 and case.no not in response.content.decode()
            else:
                assert response.status_code in (403, 404), (user, name)
    assert case.items.filter(status=ItemStatus.PENDING).count() == 5


def test_another_county_government_is_refused_everywhere(case, huangping_gov):
    for name, (method, url) in urls(case).items():
        if name == "queue":
            assert "没有待办事项" in call(huangping_gov, method, url).content.decode()
        elif name == "list":
            assert case.no not in call(huangping_gov, method, url).content.decode()
        else:
            assert call(huangping_gov, method, url).status_code in (403, 404), name


def test_a_department_sees_only_its_own_items(deciders, case):
    housing = deciders["green_space"]
    services.item_request_supplement(
        item=case.items.get(item_type="road_works"), actor=deciders["road_works"], note="交通局的补正要求"
    )
    body = client_for(housing).get(f"/permits/cases/{case.no}/").content.decode()
    assert re.findall(r'data-item="(\w+)"', body) == ["green_space"]
    assert "交通局的补正要求" not in body  # another department's log stays with it
    assert "route.pdf" in body  # the materials are shared
    # and cannot act on another department's item
    road = case.items.get(item_type="road_works")
    assert (
        client_for(housing)
        .post(f"/permits/items/{road.pk}/decide/", {f"item{road.pk}-decision": "approve"})
        .status_code
        == 404
    )
    queue = client_for(housing).get("/permits/queue/").content.decode()
    assert case.no in queue and "占用城市绿地" in queue and "采伐城市树木" not in queue


def test_a_department_without_items_on_the_case_cannot_see_it(deciders, hv_app, cm):
    case = open_parallel(hv_app, cm, ["green_space"])
    assert client_for(deciders["road_works"]).get(f"/permits/cases/{case.no}/").status_code == 404


def test_a_supervisor_sees_everything_and_decides_nothing(case, supervisor):
    body = client_for(supervisor).get(f"/permits/cases/{case.no}/").content.decode()
    assert len(re.findall(r'data-item="', body)) == 5 and "提交审批意见" not in body
    item = case.items.get(item_type="green_space")
    response = client_for(supervisor).post(f"/permits/items/{item.pk}/decide/", {f"item{item.pk}-decision": "approve"})
    assert response.status_code == 403
    assert client_for(supervisor).get("/permits/queue/").status_code == 403


def test_the_customer_manager_opens_a_case_from_the_application_page(hv_app, cm, alice):
    page = client_for(cm).get(f"/applications/{hv_app.no}/").content.decode()
    assert f"/permits/open/{hv_app.no}/" in page
    assert f"/permits/open/{hv_app.no}/" not in client_for(alice).get(f"/applications/{hv_app.no}/").content.decode()
    data = {
        "route": "10kV 开关站—客户",
        "route_length_m": "650",
        "voltage_kv": "10",
        "has_wells": "on",
        "crossings": "北京东路",
        "item_types": ["green_space", "road_works"],
        "materials": [pdf_upload("a.pdf"), pdf_upload("b.pdf")],
    }
    response = client_for(cm).post(f"/permits/open/{hv_app.no}/", data)
    case = ApprovalCase.objects.get(application=hv_app)
    assert response.status_code == 302 and response["Location"] == f"/permits/cases/{case.no}/"
    assert case.materials.count() == 2 and case.items.count() == 2
    # The applicant sees the status on the application page, not the departments' internals.
    body = client_for(alice).get(f"/applications/{hv_app.no}/").content.decode()
    assert case.no in body and "审批中" in body and f"/permits/cases/{case.no}/" not in body


def test_a_refused_intake_keeps_what_was_typed(hv_app, cm):
    data = {
        "route": "我的线路描述",
        "route_length_m": "650",
        "voltage_kv": "10",
        "crossings": "清江桥",
        "item_types": [],
    }
    response = client_for(cm).post(f"/permits/open/{hv_app.no}/", data)
    body = response.content.decode()
    assert response.status_code == 400 and "我的线路描述" in body and "清江桥" in body
    data["item_types"] = ["green_space"]  # no materials for a parallel case
    response = client_for(cm).post(f"/permits/open/{hv_app.no}/", data)
    assert response.status_code == 400 and "请上传审批材料" in response.content.decode()
    assert not ApprovalCase.objects.exists()


def test_departments_decide_on_the_page_and_the_pdf_is_issued(deciders, case, cm):
    for item in case.items.all():
        user = deciders[item.item_type]
        response = client_for(user).post(
            f"/permits/items/{item.pk}/decide/", {f"item{item.pk}-decision": "approve", f"item{item.pk}-note": "同意"}
        )
        assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED
    response = client_for(cm).get(f"/permits/cases/{case.no}/document/")
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert "下载审批文书" in client_for(deciders["green_space"]).get(f"/permits/cases/{case.no}/").content.decode()


def test_a_refusal_without_a_reason_is_refused_on_the_page(deciders, case):
    item = case.items.get(item_type="tree_felling")
    response = client_for(deciders["tree_felling"]).post(
        f"/permits/items/{item.pk}/decide/", {f"item{item.pk}-decision": "refuse", f"item{item.pk}-note": ""}
    )
    assert response.status_code == 400 and "须填写说明" in response.content.decode()
    item.refresh_from_db()
    assert item.status == ItemStatus.PENDING


def test_the_utility_answers_a_supplement_request_on_the_page(deciders, case, cm):
    item = case.items.get(item_type="road_works")
    client_for(deciders["road_works"]).post(
        f"/permits/items/{item.pk}/decide/",
        {f"item{item.pk}-decision": "supplement", f"item{item.pk}-note": "请补充交通组织方案"},
    )
    body = client_for(cm).get(f"/permits/cases/{case.no}/").content.decode()
    assert "请补充交通组织方案" in body and 'id="supplement-form"' in body
    response = client_for(cm).post(
        f"/permits/cases/{case.no}/supplement/", {"note": "已补充", "materials": [pdf_upload("traffic.pdf")]}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == ItemStatus.PENDING
    assert "traffic.pdf" in client_for(deciders["road_works"]).get(f"/permits/cases/{case.no}/").content.decode()


def test_commitment_completion_and_restoration_on_the_pages(clock, hv_app, cm, deciders, supervisor):
    case = services.case_open(
        application=hv_app, actor=cm, route="r", route_length_m=Decimal("120"), voltage_kv=Decimal("10"),
        has_wells=False, crossings="", item_types=["road_works"], commitment_signed=True,
    )  # fmt: skip
    assert 'id="awaits-energisation"' in client_for(cm).get(f"/permits/cases/{case.no}/").content.decode()
    for stage in ("apply", "plan", "connect"):
        app_services.stage_complete(application=hv_app, stage=stage, actor=cm)
    assert (
        client_for(cm).post(f"/permits/cases/{case.no}/completion/", {"completion-note": "已完工"}).status_code == 302
    )
    clock.move_to(dt.datetime(2026, 3, 20, 9, tzinfo=SHANGHAI))
    body = client_for(supervisor).get(f"/permits/cases/{case.no}/").content.decode()
    assert "恢复超期" in body
    assert "恢复超期" in client_for(deciders["road_works"]).get("/permits/queue/").content.decode()
    item = case.items.get()
    response = client_for(deciders["road_works"]).post(f"/permits/items/{item.pk}/restoration/", {})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED


def test_overdue_items_are_marked_in_the_queue(clock, case, deciders):
    clock.move_to(dt.datetime(2026, 3, 10, 9, tzinfo=SHANGHAI))
    body = client_for(deciders["green_space"]).get("/permits/queue/").content.decode()
    assert "urgency-overdue" in body and "超期" in body


def test_the_nav_shows_the_queue_to_department_users_and_the_cases_to_staff(housing, cm, supervisor, alice):
    department_page = client_for(housing).get("/permits/queue/").content.decode()
    assert 'id="nav-permits"' in department_page and 'id="nav-permit-cases"' not in department_page
    for staff in (cm, supervisor):
        page = client_for(staff).get("/permits/").content.decode()
        assert 'id="nav-permits"' not in page and 'href="/permits/" id="nav-permit-cases"' in page
    home = client_for(alice).get("/").content.decode()
    assert "nav-permit" not in home


@pytest.mark.parametrize("n", [1, 3])
def test_the_queue_and_the_list_make_a_fixed_number_of_queries(n, clock, alice, cm, pm, deciders, supervisor,
                                                                django_assert_max_num_queries):  # fmt: skip
    for i in range(n):
        app = submitted(
            alice, County.objects.get(pk="522601"), "hv_single", capacity_kw=Decimal("500"), address=f"{i}号"
        )
        open_parallel(app, cm)
    for user, url, marker in (
        (deciders["green_space"], "/permits/queue/", "data-case"),
        (supervisor, "/permits/", "data-case"),
    ):
        client = client_for(user)
        client.get(url)
        with django_assert_max_num_queries(7):
            body = client.get(url).content.decode()
        assert body.count(marker) == n


@pytest.mark.parametrize("n", [1, 4])
def test_the_case_page_makes_a_fixed_number_of_queries(n, deciders, case, cm, django_assert_max_num_queries):
    for i in range(n):
        services.item_request_supplement(
            item=case.items.get(item_type="road_works"), actor=deciders["road_works"], note=f"补正 {i}"
        )
        services.case_supplement(case=case, actor=cm, note=f"答复 {i}", materials=[pdf_upload(f"m{i}.pdf")])
    client = client_for(cm)
    client.get(f"/permits/cases/{case.no}/")
    with django_assert_max_num_queries(9):
        body = client.get(f"/permits/cases/{case.no}/").content.decode()
    assert f"答复 {n - 1}" in body


def test_the_case_page_in_english(deciders, case):
    client = client_for(deciders["green_space"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = client.get(f"/permits/cases/{case.no}/").content.decode()
    assert "Your department&#x27;s items" in body or "Your department's items" in body
    assert "Occupying urban green space" in body and "Parallel approval" in body and "Line permits" in body
    assert "本部门的审批事项" not in body
