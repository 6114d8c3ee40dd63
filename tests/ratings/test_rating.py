"""Rating an ended application once (一事一评): online, through the API, through the SMS link."""

from __future__ import annotations

import pytest

from bandian.applications import services as app_services
from bandian.applications.enums import EventType
from bandian.applications.integrity import verify_all
from bandian.applications.ratings import services
from bandian.applications.ratings.models import FollowUp, Rating
from bandian.core.errors import ServiceError, StateConflict
from bandian.notify.models import Message
from tests.api.conftest import bearer, post_json
from tests.conftest import client_for, submitted
from tests.ratings.conftest import at, counter_customer, energised

pytestmark = pytest.mark.django_db
BASE = "/api/v1/applications"


def test_the_applicant_rates_once_through_the_api_and_the_timeline_records_it(done, alice):
    clocks = app_services.application_clocks(done)
    body = {"level": "satisfied", "comment": "很快", "customer_manager_level": "very_satisfied"}
    response = post_json(bearer(alice), f"{BASE}/{done.no}/rating", body)
    assert response.status_code == 201, response.json()
    assert response.json()["level"] == "satisfied" and response.json()["follow_up"] is None
    rating = Rating.objects.get()
    assert rating.customer_manager == done.customer_manager and rating.customer_manager_level == "very_satisfied"
    assert rating.project_manager is None
    event = done.events.order_by("-seq").first()
    assert event.type == EventType.RATED and event.data["level"] == "satisfied"
    done.refresh_from_db()
    after = app_services.application_clocks(done)
    assert (after.status, after.full_process_workdays, after.energised_at) == (
        clocks.status,
        clocks.full_process_workdays,
        clocks.energised_at,
    )
    assert verify_all() == []

    again = post_json(bearer(alice), f"{BASE}/{done.no}/rating", {"level": "very_dissatisfied"})
    assert again.status_code == 409 and "一事一评" in again.json()["detail"]
    assert Rating.objects.get().level == "satisfied" and not FollowUp.objects.exists()
    assert done.events.filter(type=EventType.RATED).count() == 1
    got = bearer(alice).get(f"{BASE}/{done.no}/rating")
    assert got.status_code == 200 and got.json()["comment"] == "很快"


def test_an_open_application_cannot_be_rated(now, alice, kaili, cm, pm):
    app = submitted(alice, kaili)
    response = post_json(bearer(alice), f"{BASE}/{app.no}/rating", {"level": "satisfied"})
    assert response.status_code == 409
    assert not Rating.objects.exists()


def test_a_withdrawn_or_cancelled_application_may_be_rated(now, alice, bob, kaili, cm, pm):
    withdrawn = app_services.application_withdraw(application=submitted(alice, kaili), actor=alice)
    cancelled = app_services.application_cancel(
        application=submitted(bob, kaili, address="凯里市文化北路 3 号"), actor=cm, note="用户不再用电"
    )
    services.rating_submit(application=withdrawn, level="basically_satisfied", actor=alice)
    services.rating_submit(application=cancelled, level="dissatisfied", actor=bob)
    assert Rating.objects.count() == 2 and FollowUp.objects.count() == 1


def test_bad_input_is_refused_and_changes_nothing(done, alice):
    client = bearer(alice)
    for body in (
        {"level": "great"},
        {},
        {"level": "satisfied", "customer_manager_level": "meh"},
        {"level": "satisfied", "comment": "长" * 1001},
    ):
        assert post_json(client, f"{BASE}/{done.no}/rating", body).status_code == 422, body
    assert not Rating.objects.exists()
    assert not done.events.filter(type=EventType.RATED).exists()


def test_staff_never_rate_and_outsiders_are_refused(done, alice, mallory, cm, pm, counter, cm_elsewhere, supervisor):
    url = f"{BASE}/{done.no}/rating"
    assert post_json(client_for(None), url, {"level": "satisfied"}).status_code == 401
    assert post_json(bearer(mallory), url, {"level": "satisfied"}).status_code == 404
    assert post_json(bearer(cm_elsewhere), url, {"level": "satisfied"}).status_code == 404
    for staff in (cm, pm, counter, supervisor):
        assert post_json(bearer(staff), url, {"level": "very_satisfied"}).status_code == 403
        with pytest.raises(ServiceError):
            services.rating_submit(application=done, level="very_satisfied", actor=staff)
    assert bearer(mallory).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 401
    # The page: staff see the page but get no form, and a POST is refused.
    assert client_for(cm).post(f"/ratings/applications/{done.no}/", {"level": "satisfied"}).status_code == 403
    assert client_for(mallory).get(f"/ratings/applications/{done.no}/").status_code == 404
    assert not Rating.objects.exists()


def test_the_applicant_rates_on_the_page(done, alice):
    client = client_for(alice)
    assert f"/ratings/applications/{done.no}/" in client.get(f"/applications/{done.no}/").content.decode()
    page = client.get(f"/ratings/applications/{done.no}/")
    assert page.status_code == 200 and 'id="rating-form"' in page.content.decode()
    bad = client.post(f"/ratings/applications/{done.no}/", {"level": "nope"})
    assert bad.status_code == 400 and not Rating.objects.exists()
    assert client.post(f"/ratings/applications/{done.no}/", {"level": "very_satisfied"}).status_code == 302
    page = client.get(f"/ratings/applications/{done.no}/").content.decode()
    assert "非常满意" in page and 'id="rating-form"' not in page


def test_a_counter_customer_rates_through_the_signed_sms_link(now, kaili, cm, pm, counter):
    app = counter_customer(counter, kaili, cm)
    assert app.applicant is None
    assert services.rating_invitations_send() == (1, 0)
    [sms] = Message.objects.filter(application_id=app.pk, channel=Message.Channel.SMS, subject="请评价本次服务")
    path = sms.body.split("http://127.0.0.1:8000", 1)[1]
    page = client_for(None).get(path)
    assert page.status_code == 200 and 'id="rating-form"' in page.content.decode()
    # Staff who open the link are refused.
    assert client_for(counter).post(path, {"level": "very_satisfied"}).status_code == 403
    # A tampered link is refused and changes nothing.
    tampered = path[:-3] + ("A" if path[-3] != "A" else "B") + path[-2:]
    assert client_for(None).post(tampered, {"level": "satisfied"}).status_code == 400
    assert not Rating.objects.exists()
    assert client_for(None).post(path, {"level": "dissatisfied", "comment": "等了很久"}).status_code == 302
    rating = Rating.objects.get()
    assert rating.channel == "sms_link" and rating.bad
    assert app.events.get(type=EventType.RATED).actor is None
    assert client_for(None).post(path, {"level": "satisfied"}).status_code == 400  # a second rating
    assert Rating.objects.get().level == "dissatisfied"


def test_the_link_expires(now, kaili, cm, pm, counter):
    app = counter_customer(counter, kaili, cm)
    path = services.link_url(app).split("http://127.0.0.1:8000", 1)[1]
    now.move_to(at(2026, 7, 2, 10))  # 31 days later
    response = client_for(None).get(path)
    assert response.status_code == 400 and "过期" in response.content.decode()


def test_one_invitation_one_reminder_after_three_days_no_more(now, alice, bob, kaili, cm, pm):
    first = energised(alice, kaili, cm)
    second = energised(bob, kaili, cm, address="凯里市文化北路 3 号")
    assert services.rating_invitations_send() == (2, 0)
    assert services.rating_invitations_send() == (0, 0)
    services.rating_submit(application=second, level="satisfied", actor=bob)
    now.move_to(at(2026, 6, 3, 10))
    assert services.rating_invitations_send() == (0, 0)
    now.move_to(at(2026, 6, 4, 10))
    assert services.rating_invitations_send() == (0, 1)  # only the one not rated
    now.move_to(at(2026, 6, 10, 10))
    assert services.rating_invitations_send() == (0, 0)
    texts = Message.objects.filter(application_id=first.pk, channel=Message.Channel.SMS, body__contains="/ratings/r/")
    assert texts.count() == 2
    assert (
        Message.objects.filter(
            application_id=second.pk, channel=Message.Channel.SMS, body__contains="/ratings/r/"
        ).count()
        == 1
    )


def test_the_command_sends_the_invitations(now, done):
    from django.core.management import call_command

    call_command("ratings", "invite")
    call_command("ratings", "invite", "--enqueue")
    assert Message.objects.filter(application_id=done.pk, channel="sms", body__contains="/ratings/r/").count() == 1


def test_a_second_rating_by_the_service_is_refused(done, alice):
    services.rating_submit(application=done, level="satisfied", actor=alice)
    with pytest.raises(StateConflict):
        services.rating_submit(application=done, level="very_dissatisfied", actor=alice)
    assert Rating.objects.get().level == "satisfied"
