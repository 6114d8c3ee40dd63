from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine

from bandian.accounts.models import Role, User
from tests.conftest import make_user
from tests.grid.builders import Grid, build_grid


@pytest.fixture
def grid(db) -> Grid:
    return build_grid()


@pytest.fixture
def operator(db) -> User:
    """运检人员 of Kaili."""
    return make_user("op-kaili", Role.GRID_OPERATOR, "522601")


@pytest.fixture
def operator_elsewhere(db) -> User:
    """运检人员 of Huangping."""
    return make_user("op-huangping", Role.GRID_OPERATOR, "522622")


@pytest.fixture
def prefecture_operator(db) -> User:
    return make_user("op-prefecture", Role.GRID_OPERATOR)


@pytest.fixture
def department_user(db) -> User:
    return make_user("dept-user", Role.DEPARTMENT)


NOW = dt.datetime(2026, 6, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield
