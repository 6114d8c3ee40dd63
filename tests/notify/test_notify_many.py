"""One notice to many: one message per customer and channel, the customer's choice, the ref's list."""

import pytest
import time_machine

from bandian.core.errors import ServiceError
from bandian.notify.models import Batch, Message, Preference
from bandian.notify.selectors import ref_messages, ref_summary
from bandian.notify.services import ALL_CHANNELS, INAPP, SMS, Recipient
from tests.notify.helpers import AT, send


@time_machine.travel(AT, tick=False)
def test_each_customer_gets_one_message_per_channel_with_its_record(alice, capsys):
    batch = send(
        [
            Recipient(customer="LV001", name="张三", county_id="522601", phone="13900000001"),
            Recipient(customer="LV002", name="李四", county_id="522601", user=alice),
            Recipient(customer="LV003", name="无号码", county_id="522601"),
        ]
    )
    rows = list(ref_messages("PO-2026-0001").values_list("customer", "channel", "status", "attempts"))
    # Sent at once by the immediate backend: to the console, no gateway configured.
    assert rows == [
        ("LV001", SMS, Message.Status.SENT, 1),
        ("LV002", INAPP, Message.Status.DELIVERED, 0),
        ("LV002", SMS, Message.Status.SENT, 1),
    ]
    assert batch.total == 3 and Batch.objects.get().ref == "PO-2026-0001"
    sms = Message.objects.get(customer="LV002", channel=SMS)
    assert sms.phone == alice.phone and sms.sent_at == AT and sms.county_id == "522601"
    assert "[SMS to 13900000001] 【办电】12月1日" in capsys.readouterr().out
    # The in-app copy is in alice's inbox.
    assert Message.objects.get(customer="LV002", channel=INAPP).recipient == alice
    assert ref_summary("PO-2026-0001") == {"queued": 0, "sent": 2, "delivered": 1, "failed": 0}


def test_at_is_when_the_notice_was_issued(alice):
    send([Recipient(customer="LV1", user=alice)], at=AT)
    assert set(Message.objects.values_list("created_at", flat=True)) == {AT}
    assert Batch.objects.get().created_at == AT


def test_the_customers_choice_is_followed_and_an_mv_contact_gets_every_channel(alice, bob, settings):
    Preference.objects.create(user=alice, sms=False, inapp=True)
    Preference.objects.create(user=bob, sms=True, inapp=False)
    send(
        [
            Recipient(customer="LV1", user=alice),
            Recipient(customer="LV2", user=bob),
            # The contact of an MV user chose only the inbox, but gets everything.
            Recipient(customer="MV1", user=alice, channels=ALL_CHANNELS),
        ]
    )
    got = set(Message.objects.values_list("customer", "channel"))
    assert got == {("LV1", INAPP), ("LV2", SMS), ("MV1", INAPP), ("MV1", SMS)}


def test_a_county_group_gets_one_copy(db, settings):
    settings.NOTIFY_IM_COUNTY_WEBHOOKS = {"522601": "json://127.0.0.1:9/nowhere"}
    settings.NOTIFY_RETRY_MAX_ATTEMPTS = 1
    send([Recipient(customer=f"LV{i}", county_id="522601", phone=f"1390000000{i}") for i in range(3)])
    group = Message.objects.get(channel="im")
    assert group.customer == "" and group.county_id == "522601" and group.address.startswith("json://")
    assert Message.objects.filter(channel=SMS).count() == 3


def test_duplicates_are_written_once_and_bad_input_writes_nothing(alice):
    send([Recipient(customer="LV1", phone="13900000001")] * 2)
    assert Message.objects.count() == 1
    with pytest.raises(ServiceError):
        send([Recipient(customer="LV9", phone="13900000009")], ref="")
    with pytest.raises(ServiceError):
        send([Recipient(customer="LV9", phone="13900000009", channels=frozenset({"fax"}))])
    with pytest.raises(ServiceError):
        send([Recipient(customer="LV9", phone="13900000009")], subject="停" * 201)
    assert Message.objects.count() == 1 and Batch.objects.count() == 1
