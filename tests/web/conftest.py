"""Pages are tested at a fixed instant: Tuesday 2026-06-02 10:00 in Asia/Shanghai."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine
from django.core.cache import cache

from bandian.core.time import SHANGHAI

NOW = dt.datetime(2026, 6, 2, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _chinese(settings) -> Iterator[None]:
    settings.LANGUAGE_CODE = "zh-hans"
    settings.SMS_GATEWAY_URL = ""
    # Failure and rate counters (progress query, SMS codes) live in the cache.
    cache.clear()
    yield
    cache.clear()
