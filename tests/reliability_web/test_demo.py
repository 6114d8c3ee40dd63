"""The demo grid and outage history: loaded once, the same every time, telling the story."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import polars as pl
import pytest
from django.db import transaction
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q
from django.test import Client, override_settings

from bandian.demo import applications as app_demo
from bandian.demo import reliability as demo
from bandian.grid.models import Feeder, LVCustomer, MVUser
from bandian.outages.models import Interruption, OutageEvent
from bandian.policy.loader import active_policy
from bandian.reliability import selectors
from tests.reliability_web.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker) -> Iterator[demo.GridLoadResult]:
    """The small demo grid, loaded once for this module and rolled back after it."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        yield demo.load_grid_demo(small=True)
        transaction.set_rollback(True)


def test_it_loads_a_grid_in_every_county_and_class(loaded):
    assert loaded.loaded and loaded.rows == Interruption.objects.count()
    assert set(Feeder.objects.values_list("county_id", flat=True)) == set(active_policy().counties)
    classes = dict(Feeder.objects.filter(county_id="522601").values_list("area_class").annotate(n=Count("pk")))
    assert {"central", "urban"} <= set(classes)
    assert set(MVUser.objects.values_list("area_class", flat=True)) == {"central", "urban", "town", "rural"}
    assert set(MVUser.objects.values_list("kind", flat=True)) == {"public_transformer", "hv_customer"}
    assert LVCustomer.objects.exists()
    assert MVUser.objects.filter(in_service_from__year__gte=2021).exists()
    assert MVUser.objects.filter(in_service_to__isnull=False).exists()


def test_the_story_against_the_2021_and_2022_targets(loaded):
    y2021 = selectors.year_report(2021).by_area
    assert [y2021[a].meets_target for a in ("central", "urban", "town", "rural")] == [True, True, True, False]
    assert y2021["rural"].saidi_hours < 1.1 * y2021["rural"].target_hours  # narrowly
    y2022 = selectors.year_report(2022).by_area
    assert [y2022[a].meets_target for a in ("central", "urban", "town", "rural")] == [True, True, False, True]
    y2020 = selectors.year_report(2020).by_area
    assert y2020["rural"].target_hours is None
    assert all(y2020[a].saidi_hours > y2021[a].saidi_hours for a in y2020)  # 2020 was poor
    assert all(f.meets_target for f in selectors.year_report(2025).by_area.values())
    # Rationing and external causes show in RS-3 and RS-2.
    assert y2021["rural"].rs3 > y2021["rural"].rs1
    assert selectors.year_report(2024).by_area["rural"].rs2 > selectors.year_report(2024).by_area["rural"].rs1


def test_2026_runs_to_the_demo_now_and_is_on_course(loaded):
    assert not Interruption.objects.filter(start__gte=app_demo.DEMO_NOW).exists()
    assert not Interruption.objects.filter(end__gt=app_demo.DEMO_NOW).exists()
    board = selectors.dashboard(2026, now=app_demo.DEMO_NOW)
    assert board.partial
    targets = board.targets or {}
    assert all(board.projection[a] <= targets[a] for a in targets)


def test_the_history_has_overlaps_steps_momentary_and_new_year_outages(loaded):
    rows = Interruption.objects.all()
    new_years = Q()
    for year in range(2021, 2027):
        new_years |= Q(start__lt=at(year, 1, 1), end__gt=at(year, 1, 1))
    assert rows.filter(new_years).exists()
    assert set(rows.values_list("cause", flat=True)) == {"internal", "external", "rationing"}
    lasting = ExpressionWrapper(F("end") - F("start"), output_field=DurationField())
    assert rows.annotate(d=lasting).filter(d__gt=dt.timedelta(0), d__lte=dt.timedelta(seconds=180)).exists()
    planned = rows.filter(kind="planned").values_list("user_id", "start", "end")
    faults = {}
    for user, start, end in rows.filter(kind="fault").values_list("user_id", "start", "end"):
        faults.setdefault(user, []).append((start, end))
    assert any(
        s < fe and fs < e
        for user, s, e in planned
        for fs, fe in faults.get(user, ())
        if e is not None and fe is not None
    )
    # Events entered through the services, restored in steps; one still open.
    events = OutageEvent.objects.annotate(steps_n=Count("steps"))
    assert events.count() == 7
    assert events.filter(steps_n__gte=3).exists()
    assert events.filter(closed_at__isnull=True).count() == 1
    assert rows.filter(source="entered", end__isnull=True).exists()


def _frames() -> tuple[pl.DataFrame, pl.DataFrame]:
    generator = demo.Generator(small=True)
    generator.build()
    return generator.frames()


def test_the_same_data_every_time():
    (users_1, rows_1), (users_2, rows_2) = _frames(), _frames()
    assert users_1.equals(users_2) and rows_1.equals(rows_2)


def test_a_second_load_adds_nothing_and_the_grid_login_works(loaded):
    counts = (MVUser.objects.count(), Interruption.objects.count())
    again = demo.load_grid_demo(small=True)
    assert not again.loaded and "already" in again.reason
    assert (MVUser.objects.count(), Interruption.objects.count()) == counts
    assert Client().login(username=demo.GRID_USERNAME, password=app_demo.PASSWORD)
    assert demo.GRID_USERNAME in {login.username for login in app_demo.fixed_logins()}
