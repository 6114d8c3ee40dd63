"""The fee catalogue (收费项目目录清单) the public pages show.

The policy does not hold a fee catalogue yet (issue 11 adds one to `bandian/policy`). Until it
does, the catalogue is empty, and the pages say what the plan says: connection carries no
routine charges (取消所有对外常规作业收费项目).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class FeeLine:
    code: str
    name: str
    amount: str
    unit: str
    classes: list[str]
    basis: str


def fee_lines(*, at: dt.datetime | None = None) -> list[FeeLine]:
    """The items of the catalogue in force at `at` (default now), with their legal basis."""
    return []
