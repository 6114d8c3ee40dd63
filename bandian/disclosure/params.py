"""The public pages' and endpoints' query parameters, read once for both: a bad one is a
`ServiceError` (400 with its reason on the page and from the API), never a silent default."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from bandian.core import limits
from bandian.core.errors import ServiceError
from bandian.policy.loader import active_policy


def county_param(query: Mapping[str, str], name: str = "county") -> str | None:
    """The adcode of `?county=` (None when absent or empty); one of the policy's counties."""
    raw = (query.get(name) or "").strip()
    if not raw:
        return None
    if raw not in active_policy().counties:
        raise ServiceError(_("没有这个县（市）：county 应为黔东南州 16 个县（市）之一的六位行政区划代码"))
    return raw


def year_param(query: Mapping[str, str], *, default: int, years: range, name: str = "year") -> int:
    raw = query.get(name)
    if raw is None or not raw.strip():
        return default
    year = limits.ascii_int(raw, max_digits=4)
    if year is None or year not in years:
        raise ServiceError(str(limits.YEAR_MESSAGE % {"a": years.start, "b": years.stop - 1}))
    return year


def capacity_kw_param(query: Mapping[str, str], name: str = "capacity_kw") -> float:
    """A positive capacity in kW, at most the high-voltage range people apply for."""
    raw = (query.get(name) or "").strip()
    try:
        value = Decimal(raw) if raw.isascii() and len(raw) <= 12 else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value <= 0 or value > 1_000_000:
        raise ServiceError(_("容量应为大于 0 的数字（千瓦）"))
    return float(value)


def only(query: Mapping[str, str], allowed: set[str]) -> None:
    """Refuse a parameter the endpoint does not know (a typo would otherwise be ignored)."""
    unknown = sorted(set(query) - allowed)
    if unknown:
        raise ServiceError(_("不支持的查询参数：%(names)s") % {"names": ", ".join(unknown)[:100]})
