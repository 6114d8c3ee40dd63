from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import time_machine

from bandian.demo import applications as demo


@contextmanager
def at_demo_now() -> Iterator[None]:
    """The Saturday morning after the demo's "now": no working time has passed since, so the
    demo's open applications are exactly as overdue or nearly due as they were drawn, whatever
    the real date (and the calendar holds the year)."""
    with time_machine.travel(demo.DEMO_NOW + dt.timedelta(hours=9), tick=True):
        yield
