"""The fee catalogue (收费项目目录清单) the public pages show, from the policy's `[[fees]]`
(`bandian/policy/fees.py`): every item in force today, with its amount, unit, the classes it
may apply to and its legal basis. The plan abolishes every routine connection fee, so an empty
catalogue means connection is free of charges; the page says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bandian.core.text import label
from bandian.policy.fees import in_force
from bandian.policy.schema import Policy


@dataclass(frozen=True)
class FeeLine:
    code: str
    name: str
    amount: str
    unit: str
    classes: list[str]
    basis: str
    illustrative: bool
    valid_from: dt.date
    valid_to: dt.date | None


def fee_lines(policy: Policy, *, today: dt.date) -> list[FeeLine]:
    """The items of the catalogue in force on `today`, in the policy's order."""
    return [
        FeeLine(
            code=item.code,
            name=label(item),
            amount=f"{item.amount:.2f}",
            unit=item.unit_label(),
            classes=[label(policy.classes[c]) for c in item.classes if c in policy.classes],
            basis=item.basis,
            illustrative=item.illustrative,
            valid_from=item.valid_from,
            valid_to=item.valid_to,
        )
        for item in in_force(list(policy.fees), today)
    ]
