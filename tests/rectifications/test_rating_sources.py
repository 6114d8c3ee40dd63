"""Ratings on the supervision loop: a 差评 not handled within its working days goes on the
rectification list by itself, and the dashboard shows the satisfied share and the 差评 handled in time."""

from __future__ import annotations

import datetime as dt

import pytest

from bandian.applications.ratings.services import rating_submit
from bandian.supervision.dashboard import dashboard
from bandian.supervision.models import Rectification, Source
from bandian.supervision.sources import scan
from tests.ratings.conftest import MONDAY, at, done, energised, now  # noqa: F401 (fixtures, found by name)

pytestmark = pytest.mark.django_db


def test_a_bad_rating_handled_late_goes_on_the_list(done, alice, now):  # noqa: F811
    rating_submit(application=done, level="very_dissatisfied", comment="太慢", actor=alice, at=MONDAY)
    scan(at=at(2026, 6, 5, 10))  # within the 5 working days
    assert not Rectification.objects.filter(source=Source.BAD_RATING).exists()
    scan(at=at(2026, 6, 9, 10))
    item = Rectification.objects.get(source=Source.BAD_RATING)
    assert item.subject == done.no and item.county_id == "522601" and item.unit == "utility"
    board = {t.key: t for t in dashboard(2026, now=at(2026, 6, 9, 10)).targets}
    assert board["ratings.bad_in_time"].value == 0.0 and board["ratings.bad_in_time"].status == "missed"
    assert board["ratings.satisfied"].value == 0.0


def test_good_ratings_count_as_satisfied(alice, bob, kaili, cm, pm, now):  # noqa: F811
    for applicant in (alice, bob):
        app = energised(applicant, kaili, cm)
        rating_submit(application=app, level="satisfied", actor=applicant, at=MONDAY)
    board = {t.key: t for t in dashboard(2026, now=MONDAY + dt.timedelta(hours=1)).targets}
    assert board["ratings.satisfied"].value == 1.0 and board["ratings.satisfied"].trend[5] == 1.0
    assert board["ratings.bad_in_time"].status == "no_data"
