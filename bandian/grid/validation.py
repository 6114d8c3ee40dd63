"""Checks across fields of grid rows, shared by the forms and the CSV loaders."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from bandian.core import limits
from bandian.grid.enums import MVUserKind, Ownership


def mv_user_problems(
    *,
    kind: str,
    feeder_id: int | None,
    transformer: tuple[int, str] | None,
    in_service_from: dt.date | None,
    in_service_to: dt.date | None,
) -> dict[str, str]:
    """{field: reason} for an MV user; `transformer` is (its feeder id, its ownership) or None.

    The reasons are in the active language (the loaders run in English)."""
    problems: dict[str, str] = {}
    if kind == MVUserKind.PUBLIC_TRANSFORMER:
        if transformer is None:
            problems["transformer"] = _("公用配变用户须填写其公用配变。")
        elif transformer[1] != Ownership.PUBLIC:
            problems["transformer"] = _("公用配变用户的配变须为公用变。")
    if transformer is not None and feeder_id is not None and transformer[0] != feeder_id:
        problems["transformer"] = _("该配变不在所填线路上。")
    for name, day in (("in_service_from", in_service_from), ("in_service_to", in_service_to)):
        if day is not None and not limits.date_in_range(day):
            problems[name] = limits.date_range_message()
    if in_service_from and in_service_to and in_service_to < in_service_from:
        problems["in_service_to"] = _("退运日期早于投运日期。")
    return problems
