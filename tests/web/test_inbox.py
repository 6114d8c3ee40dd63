from bandian.notify.models import Message
from bandian.notify.services import notify
from tests.conftest import client_for


def test_the_inbox_lists_the_users_messages_and_marks_them_read(alice, bob):
    notify(subject="申请已提交", body="您的申请已提交", recipient=alice)
    notify(subject="别人的消息", body="bob 的", recipient=bob, sms=False)
    client = client_for(alice)
    body = client.get("/notify/inbox/").content.decode()
    assert "申请已提交" in body and "别人的消息" not in body
    # The SMS copy of an in-app message is not listed twice, nor counted twice.
    assert body.count("您的申请已提交") == 1 and "站内消息" in body
    assert 'aria-label="未读">1</span>' in body
    client.post("/notify/inbox/read/")
    assert not Message.objects.filter(recipient=alice, read_at__isnull=True).exists()
    assert Message.objects.filter(recipient=bob, read_at__isnull=True).exists()
    assert 'class="badge count"' not in client.get("/notify/inbox/").content.decode()


def test_an_sms_without_an_in_app_copy_is_listed(alice):
    notify(subject="注册验证码", body="您的注册验证码是 123456", phone=alice.phone)
    Message.objects.update(recipient=alice)
    body = client_for(alice).get("/notify/inbox/").content.decode()
    assert "123456" in body and "短信" in body


def test_one_message_can_be_marked_read_but_not_someone_elses(alice, bob):
    mine = notify(subject="a", body="a", recipient=alice, sms=False)[0]
    theirs = notify(subject="b", body="b", recipient=bob, sms=False)[0]
    client = client_for(alice)
    client.post("/notify/inbox/read/", {"id": theirs.pk})
    client.post("/notify/inbox/read/", {"id": "not-a-number"})
    theirs.refresh_from_db()
    assert theirs.read_at is None
    client.post("/notify/inbox/read/", {"id": mine.pk})
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_the_inbox_refuses_anonymous_users(db):
    assert client_for(None).get("/notify/inbox/")["Location"].startswith("/accounts/login/")
    assert client_for(None).post("/notify/inbox/read/")["Location"].startswith("/accounts/login/")
    assert client_for(None).get("/notify/inbox/read/").status_code in (302, 405)
