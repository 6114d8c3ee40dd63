"""Worker processes for the long read-only jobs (compliance report, timeline verify)."""

from __future__ import annotations

import multiprocessing
from multiprocessing.pool import Pool

from django.db import connections


def _forget_inherited_connections() -> None:
    # A forked child holds copies of the parent's open database connections. Using or closing
    # them would talk over the parent's socket; drop them so the child opens its own.
    for conn in connections.all(initialized_only=True):
        conn.connection = None
        conn.close_at = None


def fork_pool(processes: int) -> Pool:
    """A pool of forked processes, each with database connections of its own."""
    connections.close_all()
    return multiprocessing.get_context("fork").Pool(processes, initializer=_forget_inherited_connections)
