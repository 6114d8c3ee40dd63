"""The published figures per county and month: no figure over fewer than five ratings."""

from __future__ import annotations

import pytest

from bandian.applications.ratings import selectors, services
from bandian.applications.ratings.models import FollowUp
from tests.conftest import client_for, make_user
from tests.ratings.conftest import at, energised

pytestmark = pytest.mark.django_db
LEVELS = ["very_satisfied", "satisfied", "satisfied", "dissatisfied", "very_dissatisfied"]


def rated(kaili, cm, levels):
    apps = []
    for n, level in enumerate(levels):
        person = make_user(f"1380000{n:04d}", "applicant", phone=f"1380000{n:04d}")
        app = energised(person, kaili, cm, address=f"凯里市北京东路 {n + 10} 号")
        services.rating_submit(application=app, level=level, comment="私人意见", actor=person)
        apps.append(app)
    return apps


def test_five_ratings_are_published_with_their_shares_and_the_bad_handled_in_time(now, kaili, cm, pm, counter):
    rated(kaili, cm, LEVELS)
    first = FollowUp.objects.order_by("pk").first()
    services.follow_up_callback(follow_up=first, actor=counter, note="已回访")
    services.follow_up_rectify(follow_up=first, actor=counter, rectification="已整改")
    [june] = selectors.published_figures(2026)
    assert (june.county, june.month, june.ratings) == ("522601", 6, 5)
    assert june.shares == {
        "very_satisfied": 0.2,
        "satisfied": 0.4,
        "basically_satisfied": 0.0,
        "dissatisfied": 0.2,
        "very_dissatisfied": 0.2,
    }
    assert (june.bad, june.bad_handled_in_time, june.bad_handled_in_time_share) == (2, 1, 0.5)

    body = client_for(None).get("/api/v1/public/ratings?year=2026").json()
    [row] = body["months"]
    assert row["ratings"] == 5 and row["county_name"] == "凯里市" and row["bad_handled_in_time"] == 1
    text = str(body)
    assert "私人意见" not in text and "1380000" not in text  # no personal data
    page = client_for(None).get("/public/ratings/?year=2026").content.decode()
    assert "40%" in page and "私人意见" not in page


def test_fewer_than_five_ratings_show_no_figure(now, kaili, cm, pm):
    rated(kaili, cm, LEVELS[:4])
    [june] = selectors.published_figures(2026)
    assert june.ratings is None and set(june.shares.values()) == {None} and june.bad is None
    [row] = client_for(None).get("/api/v1/public/ratings?year=2026").json()["months"]
    assert row["ratings"] is None and row["bad_handled_in_time_share"] is None
    page = client_for(None).get("/public/ratings/?year=2026").content.decode()
    assert 'data-month="6"' in page and "—" in page and "25%" not in page


def test_a_bad_year_is_a_clear_400(now):
    for bad in ("abc", "1999", "20266", "２０２６"):
        response = client_for(None).get(f"/api/v1/public/ratings?year={bad}")
        assert response.status_code == 400 and "年份" in response.json()["detail"], bad
    assert client_for(None).get("/public/ratings/?year=abc").status_code == 400
    assert client_for(None).get("/api/v1/public/ratings").json()["year"] == 2026
    assert client_for(None).get("/api/v1/public/ratings?year=2025").json()["months"] == []


def test_the_months_follow_shanghai_time(kaili, cm, pm, alice):
    import time_machine

    with time_machine.travel(at(2026, 6, 30, 23, 30), tick=False):
        app = energised(alice, kaili, cm)
        services.rating_submit(application=app, level="satisfied", actor=alice)
    [row] = selectors.published_figures(2026)
    assert row.month == 6
