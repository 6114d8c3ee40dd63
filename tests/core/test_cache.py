"""The default cache's counters (bandian/core/cache.py): a window opened by the first attempt
lasts its full length however many attempts follow, and a closed window starts again at 1."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.core.cache import caches

from bandian.core.counters import attempt_count, attempt_counts


def test_the_default_cache_is_the_shared_file_cache():
    assert type(caches["default"]).__name__ == "SharedFileCache"


def test_counts_keep_the_window_of_the_first_attempt():
    start = dt.datetime(2026, 6, 2, 10, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        assert [attempt_count("k", window=3600) for _ in range(3)] == [1, 2, 3]
        clock.shift(dt.timedelta(minutes=59))
        # Django's own file cache would have given the counter a fresh 5-minute timeout at the
        # first increment, and forgotten it by now.
        assert attempt_counts("k") == {"k": 3}
        assert attempt_count("k", window=3600) == 4
        clock.shift(dt.timedelta(minutes=1, seconds=1))
        assert attempt_counts("k", "other") == {"k": 0, "other": 0}
        assert attempt_count("k", window=3600) == 1
