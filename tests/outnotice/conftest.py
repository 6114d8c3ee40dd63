"""Outage notices: the small grid of tests/grid with the customers' phones, at a fixed time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine

from bandian.grid.models import LVCustomer, MVUser
from tests.grid.builders import Grid, build_grid
from tests.grid.conftest import (  # noqa: F401 (fixtures, found by name)
    operator,
    operator_elsewhere,
    prefecture_operator,
)

CST = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 6, 2, 10, 0, tzinfo=CST)


@pytest.fixture(autouse=True)
def clock(request) -> Iterator[None]:
    if "live_server" in request.fixturenames:
        yield
        return
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def grid(db) -> Grid:
    """F1 (Kaili): T1 with LV customers 张三 and 李四, T2 with 王五, T3 with none, HV customer H1
    (contact 赵经理); F9 (Huangping): T9 with 钱六."""
    built = build_grid()
    LVCustomer.objects.filter(account_no="0601000001").update(phone="13900000001")
    t = built.transformers
    LVCustomer.objects.create(
        account_no="0601000002", name="李四", transformer=t["T1"], county_id="522601", phone="13900000002"
    )
    LVCustomer.objects.create(
        account_no="0601000003", name="王五", transformer=t["T2"], county_id="522601", phone="13900000003"
    )
    LVCustomer.objects.create(
        account_no="2201000001", name="钱六", transformer=t["T9"], county_id="522622", phone="13900000009"
    )
    MVUser.objects.filter(user_id="H1").update(contact_name="赵经理", contact_phone="13900000100")
    built.users["H1"].refresh_from_db()
    return built


def at(days: float = 0, hours: float = 0) -> dt.datetime:
    return NOW + dt.timedelta(days=days, hours=hours)
