"""The outages' tests: the small grid and the operators of tests/grid, at a fixed time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine

from tests.grid.conftest import (  # noqa: F401 (fixtures, found by name)
    department_user,
    grid,
    operator,
    operator_elsewhere,
    prefecture_operator,
)

NOW = dt.datetime(2026, 6, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield
