"""The rectification loop in a real browser: a supervisor lists an inspection finding, the
utility's customer manager rectifies it with evidence, another supervisor crosses it off; the
dashboard shows it; on a phone-sized screen too."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from playwright.sync_api import expect

from bandian.accounts.models import Role
from bandian.core.time import SHANGHAI
from bandian.supervision.models import Rectification
from bandian.supervision.rectifications import verify
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, PDF, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def autumn():
    with time_machine.travel(dt.datetime(2026, 10, 12, 9, tzinfo=SHANGHAI), tick=True):
        yield


def test_an_inspection_finding_is_rectified_and_crossed_off(
    new_page, live_server, autumn, tmp_path, _sessions_without_expiry
):
    make_user("sup-a", Role.SUPERVISOR)
    make_user("sup-b", Role.SUPERVISOR)
    make_user("cm-k", Role.CUSTOMER_MANAGER, "522601")
    base = live_server.url

    sup = new_page()
    sign_in(sup, base, "sup-a", PASSWORD)
    sup.goto(f"{base}/supervision/rectifications/")
    sup.fill("#id_title", "营业厅未公示收费项目目录清单")
    sup.select_option("#id_unit", "utility")
    sup.select_option("#id_county", "522601")
    sup.fill("#id_due_on", "2026-10-30")
    sup.get_by_role("button", name="列入问题清单").click()
    expect(sup.locator("#status")).to_have_text("待整改")
    no = Rectification.objects.get().no

    cm = new_page()
    cm.set_viewport_size({"width": 375, "height": 800})
    sign_in(cm, base, "cm-k", PASSWORD)
    cm.goto(f"{base}/supervision/rectifications/")
    cm.get_by_role("link", name=no).click()
    cm.get_by_role("button", name="开始整改").click()
    expect(cm.locator("#status")).to_have_text("整改中")
    evidence = tmp_path / "photo.pdf"
    evidence.write_bytes(PDF)
    cm.fill("#measures-in", "营业厅和网上国网同步公示")
    cm.fill("#submit-note", "已公示")
    cm.set_input_files("#submit-evidence", str(evidence))
    cm.get_by_role("button", name="提交核验").click()
    expect(cm.locator("#status")).to_have_text("待核验")
    expect(cm.locator("#verify-form")).to_have_count(0)

    other = new_page()
    sign_in(other, base, "sup-b", PASSWORD)
    other.goto(f"{base}/supervision/rectifications/{no}/")
    other.fill("#verify-note", "现场核实")
    other.get_by_role("button", name="核验通过，销号").click()
    expect(other.locator("#status")).to_have_text("已销号")
    assert verify() == []

    other.goto(f"{base}/supervision/?year=2026")
    expect(other.locator("#target-rectifications\\.overdue")).to_contain_text("达标")
    other.set_viewport_size({"width": 375, "height": 800})
    other.reload()
    expect(other.locator("#targets")).to_be_visible()
