"""A grid small enough to compute the figures by hand.

Kaili (522601): central feeder FC with public transformers C1, C2; rural feeder FR with R1, R2.
2022 (Asia/Shanghai), see `HISTORY`:
- C1: fault 3 h;  C2: planned 09:00–10:00 and a fault 09:30–10:30 (one merged block of 1.5 h);
- R1: external fault 10 h;  R2: a fault from 2021-12-31 23:00 to 2022-01-01 01:00 (1 h in 2022)
  and a momentary one of 2 minutes.
So central SAIDI = (3 + 1.5) / 2 = 2.25 h > 1.9 (missed), rural = (10 + 1) / 2 = 5.5 h <= 15 (met).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.core.cache import cache

from bandian.accounts.models import Role, User
from bandian.core.time import SHANGHAI
from bandian.grid.models import Feeder, MVUser, Substation, Transformer
from bandian.outages.models import Interruption
from tests.conftest import make_user


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


HISTORY = [
    ("E1", "C1", at(2022, 3, 1, 10), at(2022, 3, 1, 13), "fault", "internal"),
    ("E2", "C2", at(2022, 5, 1, 9), at(2022, 5, 1, 10), "planned", "internal"),
    ("E3", "C2", at(2022, 5, 1, 9, 30), at(2022, 5, 1, 10, 30), "fault", "internal"),
    ("E4", "R1", at(2022, 7, 1, 0), at(2022, 7, 1, 10), "fault", "external"),
    ("E5", "R2", at(2021, 12, 31, 23), at(2022, 1, 1, 1), "fault", "internal"),
    ("E6", "R2", at(2022, 8, 1, 12), at(2022, 8, 1, 12, 2), "fault", "internal"),
]


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def add_rows(rows: list[tuple[str, str, dt.datetime, dt.datetime | None, str, str]]) -> None:
    Interruption.objects.bulk_create(
        [
            Interruption(event_id=e, user_id=u, start=s, end=t, kind=k, cause=c, source="imported")
            for e, u, s, t, k, c in rows
        ]
    )


@pytest.fixture
def small_grid(db) -> dict[str, Feeder]:
    sub = Substation.objects.create(code="S1", name="凯里110kV站", county_id="522601", voltage_kv=110)
    feeders = {}
    for code, area, names in (("FC", "central", ("C1", "C2")), ("FR", "rural", ("R1", "R2"))):
        feeder = Feeder.objects.create(
            code=code, name=f"{code} 线", substation=sub, county_id="522601", area_class=area, rated_capacity_kva=8000
        )
        feeders[code] = feeder
        for name in names:
            t = Transformer.objects.create(
                code=name,
                name=f"{name} 公变",
                feeder=feeder,
                ownership="public",
                capacity_kva=400,
                county_id="522601",
                area_class=area,
            )
            MVUser.objects.create(
                user_id=name,
                kind="public_transformer",
                name=name,
                feeder=feeder,
                transformer=t,
                county_id="522601",
                area_class=area,
            )
    return feeders


@pytest.fixture
def history(small_grid) -> dict[str, Feeder]:
    add_rows(HISTORY)
    return small_grid


@pytest.fixture
def operator(db) -> User:
    return make_user("op-kaili", Role.GRID_OPERATOR, "522601")


@pytest.fixture
def department_user(db) -> User:
    return make_user("dept-user", Role.DEPARTMENT)
