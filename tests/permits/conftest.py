"""The departments' cast and ready-made cases.

Time is frozen on a Monday of 2026 (the calendar holds 2004–2026): 2026-03-02 09:00 Shanghai.
The shipped policy maps green_space → housing, tree_felling → natural_resources,
road_works → transport, bridge_lines → government_services, road_occupation → the county.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
import time_machine

from bandian.accounts.models import County, Department, Role, User
from bandian.applications.models import Application
from bandian.core.time import SHANGHAI
from bandian.permits import services
from bandian.permits.models import ApprovalCase
from tests.conftest import make_user, pdf_upload, submitted

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
ALL_ITEMS = ["green_space", "tree_felling", "road_works", "bridge_lines", "road_occupation"]


@pytest.fixture(autouse=True)
def _departments(db) -> None:
    services.departments_sync()  # again after a transactional test's flush


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def department_user(username: str, code: str) -> User:
    user = make_user(username, Role.DEPARTMENT)
    user.department = Department.objects.get(code=code)
    user.save()
    return user


@pytest.fixture
def housing(db) -> User:
    return department_user("housing", "housing")


@pytest.fixture
def resources(db) -> User:
    return department_user("resources", "natural_resources")


@pytest.fixture
def transport(db) -> User:
    return department_user("transport", "transport")


@pytest.fixture
def services_centre(db) -> User:
    return department_user("services-centre", "government_services")


@pytest.fixture
def kaili_gov(db) -> User:
    return department_user("kaili-gov", "county-522601")


@pytest.fixture
def huangping_gov(db) -> User:
    return department_user("huangping-gov", "county-522622")


@pytest.fixture
def deciders(housing, resources, transport, services_centre, kaili_gov) -> dict[str, User]:
    """The user who decides each item type on a Kaili case."""
    return {
        "green_space": housing,
        "tree_felling": resources,
        "road_works": transport,
        "bridge_lines": services_centre,
        "road_occupation": kaili_gov,
    }


@pytest.fixture
def hv_app(clock, alice, cm, pm) -> Application:
    """A high-voltage application in Kaili, submitted, managed by cm."""
    return submitted(alice, County.objects.get(pk="522601"), "hv_single", capacity_kw=Decimal("500"))


def open_parallel(app: Application, actor: User, items: list[str] | None = None, **kw) -> ApprovalCase:
    """A 10 kV, 800 m route: parallel approval."""
    return services.case_open(
        application=app,
        actor=actor,
        route=kw.pop("route", "10kV 北京东路开关站—客户配电房"),
        route_length_m=kw.pop("route_length_m", Decimal("800")),
        voltage_kv=kw.pop("voltage_kv", Decimal("10")),
        has_wells=kw.pop("has_wells", True),
        crossings=kw.pop("crossings", "北京东路、清江桥"),
        item_types=items or ALL_ITEMS,
        materials=kw.pop("materials", [pdf_upload("route.pdf")]),
        **kw,
    )


@pytest.fixture
def case(hv_app, cm) -> ApprovalCase:
    return open_parallel(hv_app, cm)
