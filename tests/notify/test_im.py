"""Instant messaging through Apprise, against a local HTTP server standing in for the webhook."""

import pytest

from bandian.notify.channels import im_address_error
from bandian.notify.models import Message
from bandian.notify.services import IM, Recipient
from tests.notify.helpers import FakeGateway, send


@pytest.fixture
def webhook(db):
    with FakeGateway() as fake:
        yield fake


def test_the_countys_group_gets_the_notice_once_through_apprise(webhook, settings):
    address = webhook.url.replace("http://", "json://")
    settings.NOTIFY_IM_COUNTY_WEBHOOKS = {"522601": address}
    send([Recipient(customer=f"LV{i}", county_id="522601", phone=f"1390000000{i}") for i in range(3)])
    # Apprise posted one JSON document to the webhook: the notice's title and body.
    assert len(webhook.requests) == 1
    payload = webhook.json()
    assert payload["title"] == "计划停电通知" and payload["message"] == "12月1日 8:00–18:00 停电检修"
    group = Message.objects.get(channel=IM)
    assert group.status == "sent" and group.attempts == 1 and group.customer == "" and group.county_id == "522601"
    assert "Sent JSON POST notification" in group.answer


def test_a_customers_own_webhook_and_a_refusing_one(webhook, settings):
    address = webhook.url.replace("http://", "json://")
    webhook.status = 500
    send([Recipient(customer="MV7", name="某工厂", im=address, channels=frozenset({IM}))])
    message = Message.objects.get()
    assert len(webhook.requests) == 1
    assert message.status == "queued" and message.attempts == 1 and message.next_attempt_at is not None
    assert "500" in message.answer and message.last_error == "the webhook refused the message"


def test_no_county_webhook_configured_means_no_im_message(db, settings):
    settings.NOTIFY_IM_COUNTY_WEBHOOKS = {"522622": "json://127.0.0.1:9/"}
    send([Recipient(customer="LV1", county_id="522601", phone="13900000001")])
    assert not Message.objects.filter(channel=IM).exists()


def test_a_customer_may_enter_only_a_wecom_dingtalk_or_feishu_bot():
    assert im_address_error("wecombot://0123456789abcdef") == ""
    assert im_address_error("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0123456789abcdef") == ""
    assert im_address_error("dingtalk://abcdef0123456789abcdef/") == ""
    assert im_address_error("feishu://abcdef-0123-4567/") == ""
    for other in ("json://10.0.0.1/internal", "http://example.cn/hook", "mailto://a@b.cn", "garbage"):
        assert im_address_error(other)
