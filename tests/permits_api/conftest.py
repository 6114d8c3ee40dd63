"""The permits API's tests: the departments' cast and the ready-made cases of tests/permits,
bearer clients, and time frozen on Monday 2026-03-02 09:00 Shanghai for every test."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from bandian.accounts.auth import issue_token
from bandian.accounts.models import User
from bandian.permits.models import ApprovalCase
from tests.permits.conftest import (  # noqa: F401 (fixtures, found by name)
    ALL_ITEMS,
    START,
    _departments,
    case,
    clock,
    deciders,
    housing,
    huangping_gov,
    hv_app,
    kaili_gov,
    open_parallel,
    resources,
    services_centre,
    transport,
)

BASE = "/api/v1/permits"


@pytest.fixture(autouse=True)
def _frozen(clock) -> None:  # noqa: F811
    """Every API test runs at START."""


def bearer(user: User) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {issue_token(user, label='test')}")


def post_json(client: Client, url: str, body: Any = None):
    return client.post(url, data="" if body is None else json.dumps(body), content_type="application/json")


def item_id(case: ApprovalCase, item_type: str) -> int:  # noqa: F811
    return case.items.get(item_type=item_type).pk
