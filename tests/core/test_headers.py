"""Strict headers (issue 9.6): a Content-Security-Policy on every page that allows no inline
script or style and nothing from another host, templates that need none, and the API docs
served from our own static files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

from tests.conftest import client_for

TEMPLATES = sorted((Path(settings.BASE_DIR) / "bandian").glob("**/templates/**/*.html"))


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (part.strip() for part in header.split(";")) if d}


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/accounts/login/",
        "/accounts/register/",
        "/applications/progress/",
        "/policy/",
        "/api/v1/docs",
        "/django-admin/login/",
        "/no-such-page/",
    ],
)
def test_every_page_has_a_policy_without_inline_code_or_other_hosts(db, url):
    response = Client().get(url)
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in v or "*" in v or "http" in v for values in policy.values() for v in values)


def test_staff_pages_and_htmx_fragments_have_it_too(cm):
    client = client_for(cm)
    for response in (client.get("/applications/queue/"), client.get("/applications/queue/", HTTP_HX_REQUEST="true")):
        assert response.status_code == 200
        assert _policy(response)["script-src"] == ["'self'"]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(settings.BASE_DIR)))
def test_no_template_has_inline_script_handlers_or_styles(template: Path):
    text = template.read_text(encoding="utf-8")
    inline_scripts = [
        tag for tag in re.findall(r"<script\b[^>]*>", text) if "src=" not in tag and "application/json" not in tag
    ]
    assert inline_scripts == []
    assert re.findall(r"\son[a-z]+\s*=", text) == []  # onclick=, onchange=, ...
    assert re.findall(r"\sstyle\s*=", text) == [] and "<style" not in text
    assert "javascript:" not in text and "hx-on" not in text


def test_the_api_docs_load_swagger_from_our_own_static_files(db):
    page = Client().get("/api/v1/docs").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources, page
    assert all(s.startswith("/") and not s.startswith("//") for s in sources), sources
    assert not re.search(r"https?://", page)
    for asset in ("ninja/swagger-ui-bundle.js", "ninja/swagger-ui.css", "ninja/swagger-ui-init.js"):
        assert f"/static/{asset}" in sources and finders.find(asset)
