"""The §5 files as the engine's frames: bandian.outages.records parses and checks them (the same
parser as `manage.py import_interruptions`); a file with any bad row raises InputError naming every
problem (file, line, column, reason)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from bandian.outages.records import parse_interruptions, parse_users

__all__ = ["read_interruptions", "read_users"]


def read_users(path: str | Path) -> pl.DataFrame:
    """The users file as the engine's users frame (records.USERS_SCHEMA)."""
    return parse_users(Path(path)).or_raise()


def read_interruptions(path: str | Path) -> pl.DataFrame:
    """The interruptions file as the engine's interruptions frame (records.INTERRUPTIONS_SCHEMA)."""
    return parse_interruptions(Path(path)).or_raise()
