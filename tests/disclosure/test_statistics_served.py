"""With a worker (the database tasks backend), a reader after a change gets the last figures at
once, with their generation time, while the worker computes the new ones; one refresh is queued
however many read meanwhile. Without one (the immediate backend), the figures are computed now."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from bandian.accounts.models import Role
from bandian.applications.ratings.services import rating_submit
from bandian.disclosure.statistics import public_statistics
from bandian.supervision.dashboard import dashboard
from tests.conftest import make_user
from tests.disclosure.test_statistics_sources import LATER, rate
from tests.ratings.conftest import MONDAY, energised

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(settings):
    cache.clear()
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def another_bad_rating(kaili, cm) -> None:
    person = make_user("late-rater", Role.APPLICANT, phone="13811112222")
    with time_machine.travel(MONDAY, tick=False):
        app = energised(person, kaili, cm, address="凯里市评价路 99 号")
    rating_submit(application=app, level="very_dissatisfied", actor=person, at=MONDAY + dt.timedelta(hours=2))


def run_the_worker() -> None:
    """Run the queued tasks as `db_worker` would (db_worker itself closes the database connection
    between tasks, which would end the test's transaction on PostgreSQL)."""
    for t in DBTaskResult.objects.order_by("pk"):
        import_string(t.task_path).call(*t.args_kwargs["args"], **t.args_kwargs["kwargs"])
    DBTaskResult.objects.all().delete()


def refreshes() -> list[tuple[str, list]]:
    return [(t.task_path.rsplit(".", 1)[1], t.args_kwargs["args"]) for t in DBTaskResult.objects.order_by("pk")]


def test_after_a_change_readers_get_the_last_figures_while_the_worker_computes(worker, kaili, cm, pm):
    rate(["satisfied"] * 5, kaili, cm)
    first = public_statistics(2026, now=LATER)  # nothing cached yet: computed now
    assert first.service_ratings.ratings == 5 and refreshes() == []
    another_bad_rating(kaili, cm)
    later = LATER + dt.timedelta(minutes=5)
    for _reader in range(3):
        served = public_statistics(2026, now=later)
        assert served.service_ratings.ratings == 5 and served.generated_at == LATER  # the last, and says when
    assert refreshes() == [("refresh_statistics", [2026, None])]  # queued once
    with time_machine.travel(later, tick=False):
        run_the_worker()
    fresh = public_statistics(2026, now=later)
    assert fresh.service_ratings.ratings == 6 and fresh.service_ratings.satisfied_share == round(5 / 6, 4)


def test_the_page_answers_from_the_last_figures_and_the_dashboard_too(worker, kaili, cm, pm):
    rate(["satisfied"] * 5, kaili, cm)
    with time_machine.travel(LATER, tick=False):
        assert (
            'id="ratings-satisfied"><td>评价满意（非差评）</td><td>5</td>'
            in Client().get("/public/statistics/", {"year": 2026}).content.decode()
        )
        assert dashboard(2026).targets
        another_bad_rating(kaili, cm)
        html = Client().get("/public/statistics/", {"year": 2026}).content.decode()
        assert 'id="ratings-satisfied"><td>评价满意（非差评）</td><td>5</td>' in html
        assert {t.key: t for t in dashboard(2026).targets}["ratings.satisfied"].value == 1.0  # the last one
        assert sorted(name for name, _args in refreshes()) == ["refresh_dashboard", "refresh_statistics"]
        run_the_worker()
        html = Client().get("/public/statistics/", {"year": 2026}).content.decode()
        assert 'id="ratings-satisfied"><td>评价满意（非差评）</td><td>6</td>' in html
        assert {t.key: t for t in dashboard(2026).targets}["ratings.satisfied"].value == round(5 / 6, 4)


def test_without_a_worker_the_first_reader_after_a_change_gets_new_figures(kaili, cm, pm):
    cache.clear()
    rate(["satisfied"] * 5, kaili, cm)
    assert public_statistics(2026, now=LATER).service_ratings.ratings == 5
    another_bad_rating(kaili, cm)
    assert public_statistics(2026, now=LATER).service_ratings.ratings == 6
    assert not DBTaskResult.objects.exists()
