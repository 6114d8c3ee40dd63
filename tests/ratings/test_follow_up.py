"""差评: the follow-up by the county's customer service, what the applicant and supervisors see."""

from __future__ import annotations

import pytest

from bandian.applications.ratings import selectors, services
from bandian.applications.ratings.models import FollowUp
from bandian.core.errors import ServiceError, StateConflict
from bandian.notify.models import Message
from tests.conftest import client_for, make_user
from tests.ratings.conftest import at, energised

pytestmark = pytest.mark.django_db


def test_a_bad_rating_opens_a_follow_up_due_in_five_working_days(done, alice, counter):
    rating = services.rating_submit(application=done, level="very_dissatisfied", comment="态度差", actor=alice)
    follow_up = FollowUp.objects.get(rating=rating)
    # Rated Monday 1 June: five working days end with Monday 8 June (the weekend skipped).
    assert follow_up.due_at == at(2026, 6, 9, 0)
    assert Message.objects.filter(recipient=counter, subject="差评待回访").exists()
    [row] = selectors.bad_ratings()
    assert row.in_time is None and not row.overdue


def test_good_ratings_open_no_follow_up(done, alice):
    services.rating_submit(application=done, level="basically_satisfied", actor=alice)
    assert not FollowUp.objects.exists()


def test_call_back_then_rectify_in_time_and_the_applicant_sees_it(done, alice, counter, cm, now):
    services.rating_submit(application=done, level="dissatisfied", actor=alice)
    follow_up = FollowUp.objects.get()
    with pytest.raises(StateConflict):
        services.follow_up_rectify(follow_up=follow_up, actor=counter, rectification="已整改")  # no call-back yet
    with pytest.raises(ServiceError):
        services.follow_up_callback(follow_up=follow_up, actor=cm, note="我来回访")  # not customer service
    with pytest.raises(ServiceError):
        services.follow_up_callback(follow_up=follow_up, actor=counter, note="  ")
    assert FollowUp.objects.get().callback_at is None
    now.move_to(at(2026, 6, 2, 10))
    services.follow_up_callback(follow_up=follow_up, actor=counter, note="用户反映装表等待时间长")
    now.move_to(at(2026, 6, 5, 16))
    services.follow_up_rectify(follow_up=follow_up, actor=counter, rectification="已对装表班组通报并调整排班")
    [row] = selectors.bad_ratings()
    assert row.in_time is True and row.handled_at == at(2026, 6, 5, 16)
    assert Message.objects.filter(application_id=done.pk, channel="sms", body__contains="调整排班").exists()
    page = client_for(alice).get(f"/ratings/applications/{done.no}/").content.decode()
    assert "已对装表班组通报并调整排班" in page and "用户反映装表等待时间长" in page
    with pytest.raises(StateConflict):
        services.follow_up_rectify(follow_up=follow_up, actor=counter, rectification="再改")


def test_late_and_open_follow_ups_are_not_in_time(now, alice, bob, kaili, cm, pm, counter):
    late = energised(alice, kaili, cm)
    open_ = energised(bob, kaili, cm, address="凯里市文化北路 3 号")
    services.rating_submit(application=late, level="dissatisfied", actor=alice)
    services.rating_submit(application=open_, level="very_dissatisfied", actor=bob)
    follow_up = FollowUp.objects.get(rating__application=late)
    now.move_to(at(2026, 6, 10, 9))
    services.follow_up_callback(follow_up=follow_up, actor=counter, note="已回访")
    services.follow_up_rectify(follow_up=follow_up, actor=counter, rectification="已整改")
    rows = {r.application_no: r for r in selectors.bad_ratings()}
    assert rows[late.no].in_time is False and not rows[late.no].overdue
    assert rows[open_.no].in_time is False and rows[open_.no].overdue
    assert selectors.bad_ratings(county="522622") == []
    assert selectors.bad_ratings(year=2025) == []


def test_the_customer_service_page_and_its_outsiders(done, alice, counter, cm, supervisor, now):
    services.rating_submit(application=done, level="dissatisfied", actor=alice)
    follow_up = FollowUp.objects.get()
    page = client_for(counter).get("/ratings/follow-ups/")
    assert page.status_code == 200 and done.no in page.content.decode()
    elsewhere = make_user("counter-hp", "counter", "522622")
    for outsider in (cm, supervisor, alice, elsewhere):
        assert (
            client_for(outsider).post(f"/ratings/follow-ups/{follow_up.pk}/callback/", {"text": "x"}).status_code == 403
        )
    for outsider in (cm, supervisor, alice):
        assert client_for(outsider).get("/ratings/follow-ups/").status_code == 403
    assert client_for(None).get("/ratings/follow-ups/").status_code == 302
    assert FollowUp.objects.get().callback_at is None
    assert (
        client_for(counter).post(f"/ratings/follow-ups/{follow_up.pk}/callback/", {"text": "已回访"}).status_code == 302
    )
    assert (
        client_for(counter).post(f"/ratings/follow-ups/{follow_up.pk}/rectify/", {"text": "已整改"}).status_code == 302
    )
    assert FollowUp.objects.get().handled_at is not None


def test_supervisors_see_every_bad_rating_and_whether_in_time(done, alice, supervisor, cm, counter):
    services.rating_submit(application=done, level="dissatisfied", actor=alice)
    page = client_for(supervisor).get("/ratings/bad/?year=2026")
    assert page.status_code == 200 and done.no in page.content.decode() and "整改中" in page.content.decode()
    assert client_for(supervisor).get("/ratings/bad/?year=abc").status_code == 400
    for outsider in (cm, counter, alice):
        assert client_for(outsider).get("/ratings/bad/").status_code == 403
    assert client_for(None).get("/ratings/bad/").status_code == 302
