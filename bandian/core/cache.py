"""The default cache when no REDIS_URL is set: files in CACHE_DIR, shared by every process on the
machine (gunicorn workers, the worker, commands), with counters that hold across them.

Django's FileBasedCache adds by check-then-write and increments by get-then-set: two gunicorn
workers counting the same failure lose one of the two, and the set gives the counter a fresh
default timeout, so a one-hour window would become five minutes. Here `add` and `incr` run under
one exclusive file lock (flock) and `incr` keeps the expiry that `add` gave. Reads take no lock
and cost one open(): a missing counter (the usual case) is a failed open, not a database query.
"""

from __future__ import annotations

import os
import pickle
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.files import locks


class SharedFileCache(FileBasedCache):
    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        self._createdir()  # type: ignore[attr-defined]
        # Not a *.djcache file: clear() and culling leave the lock alone.
        with open(os.path.join(self._dir, "counters.lock"), "ab") as lock:  # type: ignore[attr-defined]
            locks.lock(lock, locks.LOCK_EX)
            try:
                yield
            finally:
                locks.unlock(lock)

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        with self._exclusive():
            return super().add(key, value, timeout, version)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> Any:
        fname = self._key_to_file(key, version)  # type: ignore[attr-defined]
        with self._exclusive():
            try:
                with open(fname, "rb") as f:
                    expiry = pickle.load(f)  # noqa: S301 (our own files, in a 0700 directory)
                    value = pickle.loads(zlib.decompress(f.read()))  # noqa: S301
            except (FileNotFoundError, EOFError, zlib.error) as exc:
                raise ValueError(f"Key '{key}' not found") from exc
            remaining = None if expiry is None else expiry - time.time()
            if remaining is not None and remaining <= 0:
                raise ValueError(f"Key '{key}' not found")
            value += delta
            self.set(key, value, remaining, version)
        return value

    def _cull(self) -> None:
        # Expired entries go first, before Django's random cull could take a live counter.
        filelist = self._list_cache_files()  # type: ignore[attr-defined]
        if len(filelist) < self._max_entries:  # type: ignore[attr-defined]
            return
        for fname in filelist:
            try:
                with open(fname, "rb") as f:
                    self._is_expired(f)  # type: ignore[attr-defined]  # deletes it when expired
            except FileNotFoundError:
                pass
        super()._cull()  # type: ignore[misc]
