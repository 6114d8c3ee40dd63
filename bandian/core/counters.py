"""Counting attempts in the shared cache, for every limit that must hold across processes
(the progress query's failed guesses, SMS codes per address)."""

from __future__ import annotations

from django.core.cache import cache


def attempt_count(key: str, *, window: int) -> int:
    """Count one attempt under `key` and return the count so far in this window.

    The first attempt opens the window (`add` sets the expiry), the others increment atomically
    without moving it, so the window ends `window` seconds after the first attempt."""
    if cache.add(key, 1, window):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # the window closed between add and incr: this attempt opens the next
        cache.add(key, 1, window)
        return 1


def attempt_counts(*keys: str) -> dict[str, int]:
    """The counts of these keys in their current windows (0 for none)."""
    found = cache.get_many(list(keys))
    return {key: int(found.get(key, 0)) for key in keys}
