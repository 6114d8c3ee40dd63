"""The supply-area classes reliability is counted and targeted by (requirements §6), defined once:
the policy's targets (one per class), the grid's choices, the §5 files and the reliability engine
all read them from here."""

from __future__ import annotations

from typing import Literal, get_args

AreaClass = Literal["central", "urban", "town", "rural"]
AREA_CLASSES: tuple[str, ...] = get_args(AreaClass)
