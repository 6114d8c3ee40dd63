"""Playwright (sync API) driving Debian's Chromium against pytest-django's live server."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect, sync_playwright

# Playwright's sync API runs an event loop in this thread; Django must still let the test's own
# ORM calls (reading the SMS code from the outbox, the fixtures' users) through. bandian has no
# async views, so the check this turns off guards nothing else here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
TIMEOUT_MS = 10_000
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    # No skip: `make test` installs Debian's chromium (make system-deps); its absence is a failure.
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: run `make system-deps` (apt-get install chromium)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def _sessions_without_expiry(settings):
    # The server runs in travelled time, the browser in real time: a session cookie without an
    # expiry date cannot look expired to the browser.
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True


@pytest.fixture
def new_page(chromium: Browser, live_server) -> Iterator[Callable[[], Page]]:
    """Pages of separate browser contexts (separate sessions), closed before the live server
    stops, so that no keep-alive request outlives it. Every page is watched for violations of
    the Content-Security-Policy and for script errors: the test fails if any was logged."""
    contexts: list[BrowserContext] = []
    problems: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        if message.type == "error" and ("Content Security Policy" in message.text or "Refused to" in message.text):
            problems.append(message.text)

    def make() -> Page:
        context = chromium.new_context(locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on("console", watch)
        page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
        return page

    yield make
    for context in contexts:
        context.close()
    assert problems == [], problems


def sign_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="登录").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
