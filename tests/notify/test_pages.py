"""The applicant's channel page and the grid operators' page of notices not delivered."""

import pytest
from django.utils import timezone

from bandian.accounts.models import Role
from bandian.notify.models import Message, Preference
from bandian.notify.services import Recipient
from tests.conftest import client_for, make_user
from tests.notify.helpers import send


def test_an_applicant_chooses_the_channels_and_the_next_notice_follows_them(alice):
    client = client_for(alice)
    page = client.get("/notify/preferences/")
    assert page.status_code == 200 and "通知渠道" in page.content.decode()
    response = client.post(
        "/notify/preferences/", {"inapp": "on", "im": "on", "im_address": "wecombot://0123456789abcdef"}
    )
    assert response.status_code == 200 and 'id="preferences-saved"' in response.content.decode()
    preference = Preference.objects.get(user=alice)
    assert (preference.sms, preference.inapp, preference.im) == (False, True, True)
    send([Recipient(customer="LV1", user=alice)])
    got = dict(Message.objects.values_list("channel", "address"))
    assert set(got) == {"inapp", "im"} and got["im"] == "wecombot://0123456789abcdef"


@pytest.mark.parametrize(
    "data",
    [
        {"sms": "on", "im": "on", "im_address": ""},  # IM without an address
        {"im": "on", "im_address": "json://10.0.0.1/internal"},  # not a WeCom/DingTalk/Feishu bot
        {},  # no channel at all
        {"sms": "on", "im_address": "x" * 501},
    ],
)
def test_bad_choices_are_refused_and_change_nothing(alice, data):
    Preference.objects.create(user=alice, sms=True, inapp=True)
    response = client_for(alice).post("/notify/preferences/", data)
    assert response.status_code == 400 and 'id="preferences-saved"' not in response.content.decode()
    preference = Preference.objects.get(user=alice)
    assert (preference.sms, preference.inapp, preference.im, preference.im_address) == (True, True, False, "")


def test_the_channel_page_refuses_staff_and_anonymous_users(cm, supervisor):
    assert client_for(None).get("/notify/preferences/")["Location"].startswith("/accounts/login/")
    for outsider in (cm, supervisor):
        assert client_for(outsider).get("/notify/preferences/").status_code == 403
        assert client_for(outsider).post("/notify/preferences/", {"sms": "on"}).status_code == 403
    assert not Preference.objects.exists()


@pytest.fixture
def failures(db, settings):
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/send"
    settings.NOTIFY_RETRY_MAX_ATTEMPTS = 1
    send(
        [
            Recipient(customer="LV-KL-1", name="凯里客户", county_id="522601", phone="13911110001"),
            Recipient(customer="LV-HP-1", name="黄平客户", county_id="522622", phone="13922220001"),
        ]
    )
    assert set(Message.objects.values_list("status", flat=True)) == {"failed"}


def test_a_grid_operator_sees_the_customers_of_their_county_not_reached(failures):
    operator = make_user("op-kaili", Role.GRID_OPERATOR, "522601")
    body = client_for(operator).get("/notify/failed/").content.decode()
    assert "LV-KL-1" in body and "13911110001" in body and "凯里客户" in body
    assert "LV-HP-1" not in body and "黄平客户" not in body
    assert 'id="nav-notices-failed"' in body
    # Filtered by the notice's ref.
    assert "LV-KL-1" not in client_for(operator).get("/notify/failed/?ref=PO-OTHER").content.decode()


def test_supervisors_see_every_county_and_outsiders_are_refused(failures, supervisor, cm, alice):
    body = client_for(supervisor).get("/notify/failed/").content.decode()
    assert "LV-KL-1" in body and "LV-HP-1" in body
    assert client_for(None).get("/notify/failed/")["Location"].startswith("/accounts/login/")
    for outsider in (cm, alice):
        assert client_for(outsider).get("/notify/failed/").status_code == 403


def test_a_delivered_message_is_not_listed_as_failed(db):
    operator = make_user("op-kaili", Role.GRID_OPERATOR, "522601")
    send([Recipient(customer="LV-OK", county_id="522601", phone="13911110009")])
    Message.objects.update(status="delivered", delivered_at=timezone.now())
    body = client_for(operator).get("/notify/failed/").content.decode()
    assert "LV-OK" not in body and 'id="failed-none"' in body
