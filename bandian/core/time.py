"""The plan's time zone: instants are stored in UTC; days, years and deadlines are Asia/Shanghai's."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

SHANGHAI_NAME = "Asia/Shanghai"
SHANGHAI = ZoneInfo(SHANGHAI_NAME)


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    """The year in Asia/Shanghai, as [start, end) instants."""
    return (dt.datetime(year, 1, 1, tzinfo=SHANGHAI), dt.datetime(year + 1, 1, 1, tzinfo=SHANGHAI))
