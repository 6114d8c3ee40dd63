"""Helpers for the API tests: bearer tokens and JSON calls."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from bandian.accounts.auth import issue_token
from bandian.accounts.models import User

BASE = "/api/v1/applications"


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The progress query's failure counters live in the cache.
    cache.clear()
    yield
    cache.clear()


def bearer(user: User, label: str = "test") -> Client:
    """A client that authenticates with a fresh bearer token of this user (no session)."""
    token = issue_token(user, label=label)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def post_json(client: Client, url: str, body: Any = None, **extra: Any):
    data = "" if body is None else json.dumps(body)
    return client.post(url, data=data, content_type="application/json", **extra)


def create_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "customer_class": "residential",
        "county": "522601",
        "urban": True,
        "address": "凯里市北京东路 1 号",
        "capacity_kw": 8,
        "voltage_kv": 0.22,
    }
    body.update(overrides)
    return body
