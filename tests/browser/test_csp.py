"""Pages load under the Content-Security-Policy without a violation, and the htmx-driven parts
still work (the staff actions are driven in test_flow.py, whose pages are watched the same way:
conftest.py fails any test whose pages logged a violation)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD


def test_the_api_docs_render_from_our_own_files(new_page, live_server, db):
    page = new_page()
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(live_server.url) else outside.append(r.url))
    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("bandian API")
    expect(page.locator(".opblock").first).to_be_visible()
    assert outside == []


def test_the_language_switch_works_without_inline_script(new_page, live_server, db):
    page = new_page()
    page.goto(f"{live_server.url}/policy/")
    page.select_option("select[name=language]", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_staff_and_admin_pages_load_without_violations(new_page, live_server, cm, admin_user):
    page = new_page()
    sign_in(page, live_server.url, cm.username, PASSWORD)
    page.goto(f"{live_server.url}/applications/queue/")
    page.select_option("#queue-filters select[name=status]", "closed")
    # htmx sends the filter and swaps the results in place, under the policy.
    with page.expect_request(lambda r: r.headers.get("hx-request") == "true"):
        page.locator("#queue-filters button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"status=closed"))
    expect(page.locator("#queue-results")).to_be_visible()
    admin = new_page()
    sign_in(admin, live_server.url, admin_user.username, PASSWORD)
    admin.goto(f"{live_server.url}/django-admin/")
    expect(admin.locator("#site-name")).to_be_visible()
    admin.goto(f"{live_server.url}/django-admin/axes/accessattempt/")
    expect(admin.locator("#changelist")).to_be_visible()
