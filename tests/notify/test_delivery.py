"""SMS through the configured gateway: sent, failed and retried with backoff up to the limit,
delivered by the gateway's signed receipt; the worker's chunks and deferred retries."""

import datetime as dt
import hashlib
import hmac
import json
import time

import pytest
import time_machine
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from bandian.notify.models import Message
from bandian.notify.services import Recipient
from tests.conftest import client_for
from tests.notify.helpers import AT, FakeGateway, committed, send

SECRET = "gateway-secret"


@pytest.fixture
def gateway(settings, db):
    with FakeGateway(body=b'{"id": "gw-1"}') as fake:
        settings.SMS_GATEWAY_URL = fake.url
        settings.SMS_GATEWAY_SECRET = SECRET
        settings.SMS_RECEIPT_URL = "https://bandian.example.cn/notify/sms/receipts/"
        yield fake


def one_customer():
    return [Recipient(customer="LV001", name="张三", county_id="522601", phone="13900000001")]


def sms():
    return Message.objects.get(channel="sms")


@time_machine.travel(AT, tick=False)
def test_an_sms_goes_to_the_gateway_and_its_answer_is_kept(gateway):
    send(one_customer())
    (request,) = gateway.requests
    assert request["headers"]["Authorization"] == f"Bearer {SECRET}"
    payload = gateway.json()
    assert payload["phone"] == "13900000001" and payload["text"].startswith("【办电】12月1日")
    assert payload["callback"] == "https://bandian.example.cn/notify/sms/receipts/"
    message = sms()
    assert (message.status, message.attempts, message.sent_at) == ("sent", 1, AT)
    assert message.provider_id == "gw-1" and message.answer.startswith("200")


def test_a_failed_send_is_retried_with_backoff_then_marked_failed(gateway, settings):
    settings.NOTIFY_RETRY_MAX_ATTEMPTS = 3
    settings.NOTIFY_RETRY_BASE_SECONDS = 60
    gateway.status, gateway.body = 503, b'{"error": "busy"}'
    with time_machine.travel(AT, tick=False) as clock:
        send(one_customer())
        message = sms()
        assert (message.status, message.attempts, message.next_attempt_at) == (
            "queued",
            1,
            AT + dt.timedelta(seconds=60),
        )
        assert "503" in message.last_error and "busy" in message.answer
        # Not due yet: nothing is tried.
        clock.shift(59)
        call_command("notify", "retry")
        assert len(gateway.requests) == 1
        # Due: the second try fails too, and waits twice as long.
        clock.shift(1)
        call_command("notify", "retry")
        message.refresh_from_db()
        assert len(gateway.requests) == 2 and message.attempts == 2
        assert message.next_attempt_at == AT + dt.timedelta(seconds=60 + 120)
        # The third try is the last: failed for good, and no further try.
        clock.shift(120)
        call_command("notify", "retry")
        clock.shift(3600)
        call_command("notify", "retry")
        message.refresh_from_db()
        assert len(gateway.requests) == 3
        assert (message.status, message.attempts, message.failed_at) == ("failed", 3, AT + dt.timedelta(seconds=180))


def test_a_retry_that_succeeds_sends_it(gateway):
    gateway.status = 500
    with time_machine.travel(AT, tick=False) as clock:
        send(one_customer())
        gateway.status = 200
        clock.shift(60)
        call_command("notify", "retry")
    message = sms()
    assert (message.status, message.attempts, message.last_error) == ("sent", 2, "")


def test_an_unreachable_gateway_is_a_failed_try(settings, db):
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/send"
    send(one_customer())
    message = sms()
    assert message.status == "queued" and message.attempts == 1 and "ConnectionError" in message.last_error


def signed(body: bytes, *, secret: str = SECRET, stamp: int | None = None) -> dict[str, str]:
    stamp_text = str(int(time.time()) if stamp is None else stamp)
    signature = hmac.new(secret.encode(), stamp_text.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"HTTP_X_BANDIAN_TIMESTAMP": stamp_text, "HTTP_X_BANDIAN_SIGNATURE": signature}


def post_receipt(body: bytes, headers: dict[str, str]):
    return client_for(None).post("/notify/sms/receipts/", body, content_type="application/json", **headers)


def test_a_signed_receipt_sets_delivered(gateway):
    send(one_customer())
    body = json.dumps(
        [{"id": "gw-1", "status": "delivered", "at": "2026-11-20T02:00:07Z"}, {"id": "nope", "status": "delivered"}]
    ).encode()
    response = post_receipt(body, signed(body))
    assert response.status_code == 200 and response.json() == {"recorded": 1, "unknown": ["nope"]}
    message = sms()
    assert message.status == "delivered" and message.delivered_at == dt.datetime(2026, 11, 20, 2, 0, 7, tzinfo=dt.UTC)
    assert message.answer == "receipt: delivered"


def test_a_receipt_with_a_bad_signature_or_an_old_time_is_refused_and_changes_nothing(gateway, settings):
    send(one_customer())
    body = json.dumps({"id": "gw-1", "status": "delivered"}).encode()
    assert post_receipt(body, signed(body, secret="guessed")).status_code == 403
    assert post_receipt(body, {**signed(body), "HTTP_X_BANDIAN_SIGNATURE": "0" * 64}).status_code == 403
    assert post_receipt(body, {}).status_code == 403
    assert post_receipt(body, signed(body, stamp=int(time.time()) - 3600)).status_code == 403
    # A body other than the one signed.
    forged = json.dumps({"id": "gw-1", "status": "delivered", "x": 1}).encode()
    assert post_receipt(forged, signed(body)).status_code == 403
    assert sms().status == "sent" and sms().delivered_at is None
    # Without a configured secret no receipt is taken at all.
    settings.SMS_GATEWAY_SECRET = ""
    assert post_receipt(body, signed(body)).status_code == 403
    assert sms().status == "sent"
    # Only POST.
    assert client_for(None).get("/notify/sms/receipts/").status_code == 405


def test_a_receipt_that_is_not_json_or_lacks_a_status_is_a_400(gateway):
    send(one_customer())
    for body in (b"not json", json.dumps({"id": "gw-1"}).encode(), json.dumps([1]).encode()):
        assert post_receipt(body, signed(body)).status_code == 400
    assert sms().status == "sent"


def test_a_failed_receipt_is_a_failed_try_and_is_retried(gateway):
    with time_machine.travel(AT, tick=False):
        send(one_customer())
        body = json.dumps({"id": "gw-1", "status": "failed", "error": "UNDELIV"}).encode()
        assert post_receipt(body, signed(body)).status_code == 200
    message = sms()
    assert message.status == "queued" and message.attempts == 2 and "UNDELIV" in message.last_error
    assert message.next_attempt_at == AT + dt.timedelta(seconds=120)


@pytest.fixture
def worker_backend(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_with_the_worker_a_notice_is_queued_in_chunks_behind_other_work(worker_backend, settings, db):
    settings.NOTIFY_TASK_CHUNK = 2
    send([Recipient(customer=f"LV{i}", phone=f"1390000000{i}") for i in range(5)])
    tasks = list(DBTaskResult.objects.order_by("enqueued_at"))
    assert [len(t.args_kwargs["args"][0]) for t in tasks] == [2, 2, 1]
    assert {t.priority for t in tasks} == {-10} and {t.task_path for t in tasks} == {
        "bandian.notify.tasks.deliver_messages"
    }
    assert set(Message.objects.values_list("status", flat=True)) == {"queued"}
    # The worker runs them: every message goes out.
    from bandian.notify.tasks import deliver_messages

    for t in tasks:
        deliver_messages.call(*t.args_kwargs["args"])
    assert set(Message.objects.values_list("status", flat=True)) == {"sent"}


def test_with_the_worker_a_failure_is_retried_by_a_deferred_task(worker_backend, gateway):
    gateway.status = 500
    from bandian.notify.tasks import deliver_messages

    with time_machine.travel(AT, tick=False):
        send(one_customer())
        (first,) = DBTaskResult.objects.all()
        with committed():
            deliver_messages.call(*first.args_kwargs["args"])
    retry = DBTaskResult.objects.exclude(pk=first.pk).get()
    assert retry.run_after == AT + dt.timedelta(seconds=60) and retry.args_kwargs["args"] == [[sms().pk]]


def test_notify_status_counts_a_notices_messages(gateway):
    import io

    send([*one_customer(), Recipient(customer="LV002", phone="13900000002")])
    out = io.StringIO()
    call_command("notify", "status", "PO-2026-0001", stdout=out)
    assert out.getvalue().strip() == "queued 0 sent 2 delivered 0 failed 0"
