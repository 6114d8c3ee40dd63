"""Figures that are expensive to compute, served without making a reader wait for them.

`fresh_or_last(name, version, compute, refresh=...)` returns the value cached for `version` (a
digest of everything the figures read). When the data has changed since (no value for this
version) but an earlier value of `name` is cached, and a worker runs the tasks (any tasks
backend but the immediate one), it returns that last value — which carries its own generation
time — and queues `refresh` once, so the worker computes the new one in the background (the
first reader after a change no longer waits seconds: the public statistics and the supervision
dashboard over 100,000 applications take 4–9 s to compute). With the immediate backend
(development, tests), or when nothing was cached yet, it computes now.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks.backends.immediate import ImmediateBackend

T = TypeVar("T")
FRESH_SECONDS = 600
LAST_SECONDS = 7 * 24 * 3600
REFRESH_LOCK_SECONDS = 300  # a refresh queued but not run (worker down) is queued again after this


def background_tasks() -> bool:
    """Whether tasks run in a worker (not in the request, as the immediate backend does)."""
    return not isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], ImmediateBackend)


def fresh_or_last(name: str, version: str, compute: Callable[[], T], *, refresh: Callable[[], object] | None) -> T:
    """The value of `name` for `version`; see the module. `refresh` (None: compute now) queues
    the task that calls this again with `refresh=None`."""
    fresh_key, last_key = f"{name}:{version}", f"{name}:last"
    found = cache.get(fresh_key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    if refresh is not None and background_tasks():
        last = cache.get(last_key)
        if last is not None:
            if cache.add(f"{name}:refreshing:{version}", True, REFRESH_LOCK_SECONDS):
                refresh()
            return last  # type: ignore[no-any-return]
    value = compute()
    cache.set(fresh_key, value, FRESH_SECONDS)
    cache.set(last_key, value, LAST_SECONDS)
    return value
