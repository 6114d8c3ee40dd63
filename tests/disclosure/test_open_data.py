"""Open data: every public dataset listed, each URL answering anyone, no write accepted."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.disclosure.helpers import HOTLINES, text

pytestmark = pytest.mark.django_db


def test_every_listed_download_answers_anyone_and_refuses_writes():
    response = Client().get("/public/data/")
    assert response.status_code == 200
    urls = re.findall(r'<a href="([^"]+)"><code>', response.content.decode())
    assert {"/api/v1/public/guide", "/public/capacity.csv", "/api/v1/public/capacity", "/api/v1/policy"} <= set(urls)
    assert any(u.startswith("/public/statistics.xlsx?year=") for u in urls)
    assert any(u.startswith("/api/v1/public/ratings?year=") for u in urls)
    assert "/public/outages/feed/522601/" in urls
    assert Client().post("/").status_code == 405  # the home page too
    for url in urls:
        answer = Client().get(url)
        assert answer.status_code == 200, url
        assert Client().post(url).status_code in (405, 403), url
    for url in ("/api/v1/public/guide", "/api/v1/public/capacity", "/api/v1/public/statistics"):
        body = Client().get(url).json()
        assert body["generated_at"] and body["policy"], url
    page = text(response)
    for number in HOTLINES:
        assert number in page


def test_every_public_page_links_the_others_and_shows_both_hotlines():
    for url in ("/public/guide/", "/public/fees/", "/public/capacity/", "/public/statistics/", "/public/data/"):
        response = Client().get(url)
        html = response.content.decode()
        for link in ("/public/guide/", "/public/fees/", "/public/capacity/", "/public/statistics/", "/public/data/"):
            assert f'href="{link}"' in html, (url, link)
        page = text(response)
        assert all(number in page for number in HOTLINES), url
