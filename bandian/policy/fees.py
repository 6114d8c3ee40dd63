"""The fee catalogue (收费项目目录清单, 四（五）and 四（九）): the only fees an application may be charged.

The plan abolishes every routine fee for connection works (取消所有对外常规作业收费项目), so the
catalogue holds only fees set by government pricing, each with the document that sets it. Staff
issue payment orders from these items and nothing else (bandian.applications.payments).
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bandian.core.text import label
from bandian.policy.classes import CustomerClass

# What one unit of an item is: the amount is per unit, and an order's quantity counts units.
# "kva": per kVA of capacity (a rate, as the high-reliability supply fee is priced); "item": a
# fixed sum per occurrence.
FeeUnit = Literal["item", "kva", "kw", "m"]


class UnitLabel(NamedTuple):
    zh: str
    en: str


UNIT_LABELS: dict[str, UnitLabel] = {
    "item": UnitLabel("项", "item"),
    "kva": UnitLabel("千伏安", "kVA"),
    "kw": UnitLabel("千瓦", "kW"),
    "m": UnitLabel("米", "m"),
}


class FeeError(ValueError):
    """A check across fee items failed; `key` is the path below `fees` (as schema.RuleError)."""

    def __init__(self, key: tuple[str | int, ...], message: str) -> None:
        self.key = key
        self.message = message
        super().__init__(message)


class FeeItem(BaseModel):
    """One item of the catalogue, in force from `from` to `to` (both included; no `to`: still)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)
    # Yuan per unit, two decimals at most.
    amount: Decimal = Field(ge=0, max_digits=12, decimal_places=2)
    unit: FeeUnit
    classes: list[CustomerClass] = Field(min_length=1)
    # The document that sets the fee (its number), e.g. 发改价格〔2003〕2279号.
    basis: str = Field(min_length=1, max_length=200)
    # True when the plan does not give the amount: shown as illustrative until it is set from the
    # local price document.
    illustrative: bool = False
    # Work inside the grid's investment boundary (up to the property line, metering included): a
    # zero-investment application is never charged for it.
    within_investment_boundary: bool = False
    valid_from: dt.date = Field(alias="from")
    valid_to: dt.date | None = Field(default=None, alias="to")

    @model_validator(mode="after")
    def ordered(self) -> FeeItem:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError(f"'to' ({self.valid_to}) is before 'from' ({self.valid_from})")
        if len(set(self.classes)) != len(self.classes):
            raise ValueError("a class is listed twice")
        return self

    def applies_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def unit_label(self) -> str:
        """The unit's name in the language of the request."""
        return label(UNIT_LABELS[self.unit])


def check_catalogue(fees: list[FeeItem]) -> None:
    """The same code may appear more than once (a new amount from a date), never overlapping."""
    by_code = sorted(enumerate(fees), key=lambda pair: (pair[1].code, pair[1].valid_from))
    for (_, earlier), (j, later) in itertools.pairwise(by_code):
        if earlier.code != later.code:
            continue
        if earlier.valid_to is None or earlier.valid_to >= later.valid_from:
            raise FeeError(
                (j, "from"),
                f"{later.code!r} from {later.valid_from} overlaps its entry from {earlier.valid_from}",
            )


def in_force(fees: list[FeeItem], day: dt.date) -> list[FeeItem]:
    """The items in force on `day`, in the file's order."""
    return [item for item in fees if item.applies_on(day)]
