"""Visit booking: a Monday in June 2026 (Asia/Shanghai), a high-voltage application in Kaili, and
slots of Kaili's customer manager on the following working days."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from bandian.applications.models import Application
from bandian.applications.visits import services
from bandian.applications.visits.models import VisitSlot
from bandian.core.time import SHANGHAI
from tests.conftest import submitted

MONDAY = dt.datetime(2026, 6, 1, 10, 0, tzinfo=SHANGHAI)  # a working day


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def now():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


def hv(applicant, county, **kw) -> Application:
    return submitted(applicant, county, "hv_single", capacity_kw=Decimal("630"), **kw)


@pytest.fixture
def hv_app(now, alice, kaili, cm, pm) -> Application:
    return hv(alice, kaili)


@pytest.fixture
def slots(now, cm) -> list[VisitSlot]:
    """Wednesday 3 to Friday 5 June, at 09:00 and 14:30: six slots."""
    return services.slots_publish(manager=cm, first=dt.date(2026, 6, 3), last=dt.date(2026, 6, 5))
