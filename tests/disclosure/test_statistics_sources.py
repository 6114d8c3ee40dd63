"""The public statistics' service ratings and outage notices: the supervision dashboard's own
figures, published only over enough ratings or outages, on the page, the API, CSV and Excel,
and recomputed when a rating or an outage changes."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from openpyxl import load_workbook

from bandian.accounts.models import Role
from bandian.applications.ratings.models import FollowUp
from bandian.applications.ratings.services import follow_up_callback, follow_up_rectify, rating_submit
from bandian.disclosure.statistics import public_statistics
from bandian.notify.models import Message
from bandian.notify.services import receipt_record
from bandian.notify.tasks import send_messages
from bandian.outages import faults, planned
from bandian.supervision.dashboard import dashboard
from tests.conftest import make_user
from tests.grid.conftest import operator  # noqa: F401 (a fixture, found by name)
from tests.outnotice.conftest import grid  # noqa: F401 (a fixture, found by name)
from tests.ratings.conftest import MONDAY, energised

pytestmark = pytest.mark.django_db
LATER = MONDAY + dt.timedelta(days=20)  # every follow-up's five working days are over


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def rate(levels: list[str], kaili, cm) -> list:
    ratings = []
    for i, level in enumerate(levels):
        person = make_user(f"rater{len(levels)}-{i}", Role.APPLICANT, phone=f"1380000{i:04d}")
        with time_machine.travel(MONDAY, tick=False):
            app = energised(person, kaili, cm, address=f"凯里市评价路 {i} 号")
        ratings.append(rating_submit(application=app, level=level, actor=person, at=MONDAY + dt.timedelta(hours=1)))
    return ratings


def board(county: str | None = None, now: dt.datetime = LATER) -> dict:
    return {t.key: t for t in dashboard(2026, county=county, now=now).targets}


def test_ratings_equal_the_dashboards_and_bad_ones_handled_in_time_count(kaili, cm, pm, counter):
    levels = ["very_satisfied"] * 3 + ["satisfied"] * 2 + ["dissatisfied"] * 4 + ["very_dissatisfied"] * 2
    rate(levels, kaili, cm)
    handled = list(FollowUp.objects.order_by("pk"))[:3]  # three of the six 差评 handled within the days
    for f in handled:
        follow_up_callback(follow_up=f, actor=counter, note="已回访", at=MONDAY + dt.timedelta(days=1))
        follow_up_rectify(follow_up=f, actor=counter, rectification="已整改", at=MONDAY + dt.timedelta(days=2))
    for county in (None, "522601"):
        public = public_statistics(2026, county=county, now=LATER).service_ratings
        targets = board(county)
        assert public.published and public.ratings == 11 and public.bad == 6
        assert public.satisfied_share == targets["ratings.satisfied"].value == round(5 / 11, 4)
        assert public.bad_handled_in_time_share == targets["ratings.bad_in_time"].value == 0.5
        assert public.level_shares["dissatisfied"] == round(4 / 11, 4)
        assert sum(v for v in public.level_shares.values() if v is not None) == pytest.approx(1, abs=1e-3)
    other = public_statistics(2026, county="522622", now=LATER).service_ratings
    assert not other.published and other.ratings is None and other.satisfied_share is None


def test_fewer_than_five_ratings_are_not_published_but_supervisors_see_them(kaili, cm, pm):
    rate(["satisfied", "very_dissatisfied", "dissatisfied"], kaili, cm)
    public = public_statistics(2026, now=LATER).service_ratings
    assert not public.published and public.ratings is None and public.satisfied_share is None
    assert all(v is None for v in public.level_shares.values())
    assert board()["ratings.satisfied"].value == round(1 / 3, 4)
    with time_machine.travel(LATER, tick=False):
        html = Client().get("/public/statistics/", {"year": 2026}).content.decode()
    section = html.split('id="service-ratings"')[1].split("</section>")[0]
    assert "<svg" not in section and "评价不足 5 件，不公布数值。" in section


def test_a_new_rating_changes_the_published_figures_without_waiting(kaili, cm, pm):
    rate(["satisfied"] * 5, kaili, cm)
    assert public_statistics(2026, now=LATER).service_ratings.satisfied_share == 1.0
    person = make_user("late-rater", Role.APPLICANT, phone="13811112222")
    with time_machine.travel(MONDAY, tick=False):
        app = energised(person, kaili, cm, address="凯里市评价路 99 号")
    rating_submit(application=app, level="very_dissatisfied", actor=person, at=MONDAY + dt.timedelta(hours=2))
    again = public_statistics(2026, now=LATER).service_ratings  # no cache.clear(): the rating moved the key
    assert again.ratings == 6 and again.satisfied_share == round(5 / 6, 4)


CST = dt.timezone(dt.timedelta(hours=8))
JUNE = dt.datetime(2026, 6, 2, 10, 0, tzinfo=CST)


def _at(days: float = 0, hours: float = 0) -> dt.datetime:
    return JUNE + dt.timedelta(days=days, hours=hours)


@pytest.fixture
def outages(grid, operator):  # noqa: F811
    """Kaili in June 2026: six planned outages, four announced 8 days ahead and two moved to a start
    told 3 days ahead;
    two faults, one restored after 3 hours; a rationing fault with no order; the SMS sent, one in
    four never delivered."""
    with time_machine.travel(JUNE, tick=False):
        plans = []
        for i in range(6):
            start = _at(8 + i * 0.5)
            plan, _n = planned.planned_create(
                feeder=grid.feeder, start=start, end=start + dt.timedelta(hours=2), works="检修", area=f"片区{i}",
                actor=operator, at=_at(0),
            )  # fmt: skip
            plans.append(plan)
        for plan in plans[4:]:  # postponed inside the notice period: told the new start 3 days ahead
            planned.planned_change(plan=plan, start=_at(11), end=_at(11, 2), reason="天气", actor=operator, at=_at(7.9))
        fault, _ = faults.fault_report(feeder=grid.feeder, cause="internal", start=_at(1), actor=operator, at=_at(1))
        faults.progress_add(event=fault, stage="restored", actor=operator, at=_at(1, 3))
        faults.fault_report(feeder=grid.feeder, cause="internal", start=_at(2), actor=operator, at=_at(2))
        faults.fault_report(
            feeder=grid.feeder, transformers=[grid.transformers["C1"]], cause="rationing", start=_at(2),
            actor=operator, at=_at(2),
        )  # fmt: skip
        send_messages(list(Message.objects.filter(channel="sms").values_list("pk", flat=True)))
        for i, m in enumerate(Message.objects.filter(channel="sms").order_by("pk")):
            if i % 4 == 0:
                for _try in range(5):
                    receipt_record(provider_id=m.provider_id, delivered=False, answer="UNDELIV")
            else:
                receipt_record(provider_id=m.provider_id, delivered=True, at=m.sent_at + dt.timedelta(minutes=10))
    return grid, operator


def test_outage_notices_equal_the_dashboards(outages):
    now = _at(30)
    for county in (None, "522601"):
        public = public_statistics(2026, county=county, now=now).outage_notices
        targets = board(county, now)
        assert public.planned == 6 and public.notified_in_time_share == round(4 / 6, 4)
        assert public.notified_in_time_share == targets["outage_notice.in_time"].value
        assert public.unauthorised_rationing == targets["outage_notice.rationing"].value == 1
        assert public.faults == 3 and public.mean_restoration_hours is None  # one restored: under five
        sms = Message.objects.filter(channel="sms", kind__startswith="outage.")
        assert public.messages == sms.count() >= 5
        assert public.delivered_within_share == round(sms.filter(status="delivered").count() / sms.count(), 4)
    elsewhere = public_statistics(2026, county="522622", now=now).outage_notices
    assert (elsewhere.planned, elsewhere.notified_in_time_share, elsewhere.unauthorised_rationing) == (0, None, 0)


def test_a_cancelled_plan_changes_the_published_figures_without_waiting(outages):
    _grid, staff = outages
    now = _at(30)
    assert public_statistics(2026, now=now).outage_notices.planned == 6
    plan = planned.PlannedOutage.objects.order_by("pk").last()
    with time_machine.travel(_at(1), tick=False):
        planned.planned_cancel(plan=plan, reason="工程取消", actor=staff, at=_at(1))
    assert public_statistics(2026, now=now).outage_notices.planned == 5


def test_the_page_csv_excel_and_api_carry_ratings_and_outage_notices(outages, kaili, cm, pm):
    rate(["satisfied"] * 4 + ["dissatisfied"], kaili, cm)
    with time_machine.travel(_at(30), tick=False):
        page = Client().get("/public/statistics/", {"year": 2026})
        assert page.status_code == 200
        html = page.content.decode()
        assert 'id="service-ratings"' in html and 'id="outage-notices"' in html
        assert 'id="ratings-satisfied"><td>评价满意（非差评）</td><td>5</td><td>80%</td>' in html
        assert 'id="outage-planned"><td>计划停电提前通知</td><td>6</td>' in html
        assert "<svg" in html.split('id="service-ratings"')[1].split("</section>")[0]
        data = Client().get("/api/v1/public/statistics", {"year": 2026}).json()
        assert data["service_ratings"]["ratings"] == 5 and data["service_ratings"]["satisfied_share"] == 0.8
        assert data["outage_notices"]["planned"] == 6 and data["outage_notices"]["unauthorised_rationing"] == 1
        assert "left_out" not in data
        rows = list(
            csv.DictReader(io.StringIO(Client().get("/public/statistics.csv", {"year": 2026}).content.decode()))
        )
        sections = {(r["section"], r["key"]): r for r in rows}
        assert sections[("service_ratings", "satisfied")]["within_limit_share"] == "0.8"
        assert sections[("outage_notices", "unauthorised_rationing")]["count"] == "1"
        book = load_workbook(io.BytesIO(Client().get("/public/statistics.xlsx", {"year": 2026}).content))
        sheet = [list(r) for r in book["statistics"].iter_rows(values_only=True)]
        assert ["outage_notices", "planned_notified_in_time"] in [r[:2] for r in sheet]
