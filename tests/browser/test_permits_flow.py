"""The parallel approval of external line works, in a real browser: the customer manager opens the
case, three departments decide in parallel (one after a supplement), one combined PDF comes out."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from playwright.sync_api import Page, expect

from bandian.accounts.models import County, Department, Role, User
from bandian.applications.models import Application
from bandian.core.time import SHANGHAI
from bandian.permits import services
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, PDF, make_user, submitted

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Monday 2026-03-02 09:00: the 10 kV case and its items are due 5 working days later.
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
ITEM_DUE = "2026-03-09 09:0"
CASE_DUE = ITEM_DUE  # 四（二）: 5 working days in total, for this 10 kV line too
ITEMS = {
    # item type: (its label, the department that decides it)
    "green_space": ("占用城市绿地", "州住房城乡建设局"),
    "road_works": ("占用、挖掘城市道路", "州交通运输局"),
    "road_occupation": ("非交通占用道路", "凯里市人民政府"),
}


@pytest.fixture
def monday_morning():
    with time_machine.travel(START, tick=True):
        yield


def department_user(username: str, code: str) -> User:
    user = make_user(username, Role.DEPARTMENT)
    user.department = Department.objects.get(code=code)
    user.save()
    return user


@pytest.fixture
def departments(db) -> dict[str, User]:
    """One user per department concerned, and `resources`, whose department has no item here."""
    services.departments_sync()  # the seeded departments are gone after an earlier test's flush
    return {
        "green_space": department_user("housing", "housing"),
        "road_works": department_user("transport", "transport"),
        "road_occupation": department_user("kaili-gov", "county-522601"),
        "resources": department_user("resources", "natural_resources"),
    }


@pytest.fixture
def hv_app(monday_morning, alice, cm, pm) -> Application:
    """A 500 kW high-voltage application in Kaili, submitted, in the hands of cm."""
    return submitted(alice, County.objects.get(pk="522601"), "hv_single", capacity_kw=Decimal("500"))


def item_row(page: Page, item_type: str):
    return page.locator(f"tr.permit-item[data-item={item_type}]")


def decide(page: Page, decision: str, note: str = "") -> None:
    """Submit the one decision form a department user has on the case page."""
    form = page.locator("form[id^=decide-]")
    expect(form).to_have_count(1)
    form.locator(f"input[type=radio][value={decision}]").check()
    if note:
        form.locator("textarea").fill(note)
    form.get_by_role("button", name="提交审批意见").click()


def test_three_departments_approve_in_parallel_after_one_supplement(
    new_page, live_server, cm, departments, hv_app, _sessions_without_expiry
):
    base = live_server.url

    # The customer manager opens the approval case from the application's page.
    manager = new_page()
    sign_in(manager, base, cm.username, PASSWORD)
    manager.goto(f"{base}/applications/{hv_app.no}/")
    manager.click("#open-approval-case")
    expect(manager).to_have_url(f"{base}/permits/open/{hv_app.no}/")
    manager.fill("#id_route", "10kV 北京东路开关站—客户配电房")
    manager.fill("#id_route_length_m", "900")
    manager.select_option("#id_voltage_kv", "10")
    manager.check("#id_has_wells")
    manager.fill("#id_crossings", "北京东路、金井绿地")
    for item_type in ITEMS:
        manager.check(f"#item-types input[value={item_type}]")
    manager.set_input_files(
        "#id_materials", files=[{"name": "route-plan.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    manager.click("#open-case")
    expect(manager).to_have_url(re.compile(r"/permits/cases/[^/]+/$"))
    case_url = manager.url
    case_no = case_url.rstrip("/").rsplit("/", 1)[1]
    expect(manager.locator("#case-status")).to_have_text("审批中")
    expect(manager.locator("#case-path")).to_have_text("并联审批")
    expect(manager.locator("#case-due")).to_contain_text(CASE_DUE)
    expect(manager.locator("tr.permit-item")).to_have_count(3)
    for item_type, (label, department) in ITEMS.items():
        row = item_row(manager, item_type)
        expect(row).to_contain_text(label)
        expect(row).to_contain_text(department)
        expect(row.locator(".item-status")).to_have_text("待审批")
        expect(row).to_contain_text(ITEM_DUE)
    expect(manager.locator("#materials")).to_contain_text("route-plan.pdf")

    # A department with no item on this case has nothing in its queue and cannot open the case.
    outsider = new_page()
    sign_in(outsider, base, departments["resources"].username, PASSWORD)
    outsider.goto(f"{base}/permits/queue/")
    expect(outsider.locator("#queue-empty")).to_be_visible()
    response = outsider.goto(case_url)
    assert response is not None and response.status == 404

    # Housing finds its item, and only its item, in its queue; it asks for a supplement.
    housing = new_page()
    sign_in(housing, base, departments["green_space"].username, PASSWORD)
    housing.goto(f"{base}/permits/queue/")
    queue = housing.locator("#permit-queue tbody tr")
    expect(queue).to_have_count(1)
    expect(queue).to_contain_text("占用城市绿地")
    expect(queue).not_to_contain_text("占用、挖掘城市道路")
    expect(queue).to_contain_text(ITEM_DUE)
    queue.get_by_role("link", name=case_no).click()
    expect(housing).to_have_url(case_url)
    expect(housing.locator("tr.permit-item")).to_have_count(1)
    decide(housing, "supplement", "请补充金井绿地的恢复方案")
    expect(item_row(housing, "green_space").locator(".item-status")).to_have_text("待补正")

    # Transport and the county government approve theirs.
    for key in ("road_works", "road_occupation"):
        page = new_page()
        sign_in(page, base, departments[key].username, PASSWORD)
        page.goto(f"{base}/permits/queue/")
        rows = page.locator("#permit-queue tbody tr")
        expect(rows).to_have_count(1)
        expect(rows).to_contain_text(ITEMS[key][0])
        rows.get_by_role("link", name=case_no).click()
        decide(page, "approve")
        expect(item_row(page, key).locator(".item-status")).to_have_text("已批准")
        expect(page.locator("#case-status")).to_have_text("审批中")  # housing has not decided

    # The customer manager answers the supplement on the case page; housing's item is back to pending.
    manager.reload()
    expect(item_row(manager, "green_space").locator(".item-status")).to_have_text("待补正")
    expect(manager.locator("#log")).to_contain_text("请补充金井绿地的恢复方案")
    manager.fill("#supplement-form textarea", "已补充绿地恢复方案，见附件")
    manager.set_input_files(
        "#supplement-form input[type=file]",
        files=[{"name": "greenery-restoration.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    manager.locator("#supplement-form").get_by_role("button", name="提交补正").click()
    expect(item_row(manager, "green_space").locator(".item-status")).to_have_text("待审批")
    expect(manager.locator("#materials")).to_contain_text("greenery-restoration.pdf")
    expect(manager.locator("#supplement")).to_have_count(0)

    # Housing sees the supplement and approves: the last decision approves the case.
    housing.goto(f"{base}/permits/queue/")
    expect(housing.locator("#permit-queue tbody tr")).to_contain_text("待审批")
    housing.goto(case_url)
    expect(housing.locator("#materials")).to_contain_text("greenery-restoration.pdf")
    decide(housing, "approve")
    expect(housing.locator("#case-status")).to_have_text("已批准")
    housing.goto(f"{base}/permits/queue/")
    expect(housing.locator("#queue-empty")).to_be_visible()

    # The customer manager sees one decision and downloads the combined document.
    manager.reload()
    expect(manager.locator("#case-status")).to_have_text("已批准")
    for item_type in ITEMS:
        expect(item_row(manager, item_type).locator(".item-status")).to_have_text("已批准")
    link = manager.locator("#case-document")
    expect(link).to_be_visible()
    href = link.get_attribute("href")
    assert href
    response = manager.context.request.get(f"{base}{href}")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")

    # The application's page shows the case approved.
    manager.goto(f"{base}/applications/{hv_app.no}/")
    expect(manager.locator(f"#approval-cases tr[data-no='{case_no}'] .case-status")).to_have_text("已批准")
