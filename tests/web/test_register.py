import datetime as dt
import re

from django.contrib.auth import get_user_model

from bandian.accounts.models import PhoneCode, Role
from bandian.applications.models import Application
from bandian.notify.models import Message
from tests.conftest import client_for, draft

PHONE = "13912345678"
GOOD = {"display_name": "张三", "password1": "Dianli-2026!", "password2": "Dianli-2026!"}


def _code_for(phone: str) -> str:
    body = Message.objects.filter(phone=phone, channel="sms").latest("created_at", "id").body
    match = re.search(r"\d{6}", body)
    assert match
    return match.group()


def _start(client, phone=PHONE):
    return client.post("/accounts/register/", {"phone": phone})


def test_registration_sends_a_code_then_creates_a_signed_in_applicant(db, capsys, django_capture_on_commit_callbacks):
    client = client_for(None)
    with django_capture_on_commit_callbacks(execute=True):
        response = _start(client)
    assert response.status_code == 302 and response["Location"] == "/accounts/register/verify/"
    # No SMS gateway: the code went to the console and the page says so.
    assert f"[SMS to {PHONE}]" in capsys.readouterr().out
    page = client.get("/accounts/register/verify/")
    assert "服务器控制台" in page.content.decode()
    code = _code_for(PHONE)
    stored = PhoneCode.objects.get(phone=PHONE)
    assert code not in stored.code_hash and len(stored.code_hash) == 64

    response = client.post("/accounts/register/verify/", {"code": code, **GOOD, "id_number": "52260119900101123x"})
    assert response.status_code == 302
    user = get_user_model().objects.get(username=PHONE)
    assert user.role == Role.APPLICANT and user.phone == PHONE and user.display_name == "张三"
    assert user.applicant_ref and "52260119900101123" not in user.applicant_ref
    # Signed in, and the SMS is in the new user's inbox.
    inbox = client.get("/notify/inbox/").content.decode()
    assert code in inbox


def test_identity_number_hash_is_copied_to_the_applicants_applications(db, kaili):
    client = client_for(None)
    _start(client)
    client.post("/accounts/register/verify/", {"code": _code_for(PHONE), **GOOD, "id_number": "522601199001011234"})
    user = get_user_model().objects.get(username=PHONE)
    app = draft(user, kaili)
    assert app.applicant_ref == user.applicant_ref != ""
    assert not Application.objects.filter(applicant_ref__contains="1990").exists()


def test_a_wrong_phone_number_is_refused_and_kept(db):
    response = client_for(None).post("/accounts/register/", {"phone": "1391234"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "请输入 11 位手机号码" in body and 'value="1391234"' in body
    assert not PhoneCode.objects.exists()


def test_a_second_code_within_60_seconds_is_refused(db, clock):
    client = client_for(None)
    _start(client)
    response = _start(client)
    assert response.status_code == 200 and "60 秒" in response.content.decode()
    assert PhoneCode.objects.count() == 1
    clock.shift(dt.timedelta(seconds=61))
    assert _start(client).status_code == 302
    assert PhoneCode.objects.count() == 2


def test_a_wrong_code_keeps_what_was_typed_and_counts_the_attempt(db):
    client = client_for(None)
    _start(client)
    code = _code_for(PHONE)
    wrong = "000000" if code != "000000" else "111111"
    response = client.post("/accounts/register/verify/", {"code": wrong, **GOOD, "id_number": ""})
    body = response.content.decode()
    assert "验证码不正确" in body and 'value="张三"' in body
    assert PhoneCode.objects.get().attempts == 1
    assert not get_user_model().objects.filter(username=PHONE).exists()


def test_five_wrong_codes_lock_the_code(db):
    client = client_for(None)
    _start(client)
    code = _code_for(PHONE)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        client.post("/accounts/register/verify/", {"code": wrong, **GOOD})
    response = client.post("/accounts/register/verify/", {"code": code, **GOOD})
    assert "错误次数过多" in response.content.decode()
    assert not get_user_model().objects.filter(username=PHONE).exists()


def test_a_code_expires_after_ten_minutes(db, clock):
    client = client_for(None)
    _start(client)
    code = _code_for(PHONE)
    clock.shift(dt.timedelta(minutes=10, seconds=1))
    response = client.post("/accounts/register/verify/", {"code": code, **GOOD})
    assert "验证码已失效" in response.content.decode()


def test_mismatched_or_weak_passwords_are_refused(db):
    client = client_for(None)
    _start(client)
    code = _code_for(PHONE)
    body = client.post(
        "/accounts/register/verify/", {"code": code, "display_name": "李四", "password1": "12345678", "password2": "x"}
    ).content.decode()
    assert "两次输入的密码不一致" in body
    response = client.post(
        "/accounts/register/verify/",
        {"code": code, "display_name": "李四", "password1": "12345678", "password2": "12345678"},
    )
    assert response.status_code == 200 and not get_user_model().objects.filter(username=PHONE).exists()


def test_a_registered_phone_cannot_register_again(alice):
    response = client_for(None).post("/accounts/register/", {"phone": alice.phone})
    assert "已注册" in response.content.decode()


def test_step_two_without_step_one_goes_back_to_step_one(db):
    response = client_for(None).get("/accounts/register/verify/")
    assert response.status_code == 302 and response["Location"] == "/accounts/register/"


def test_signed_in_users_are_sent_home(alice):
    assert client_for(alice).get("/accounts/register/")["Location"] == "/"


def test_one_client_may_ask_for_ten_codes_an_hour(db, clock):
    client = client_for(None)
    for i in range(10):
        assert _start(client, f"1391234{i:04d}").status_code == 302
    response = _start(client, "13912349999")
    assert response.status_code == 200 and "过于频繁" in response.content.decode()
    clock.shift(dt.timedelta(hours=1, seconds=1))
    assert _start(client, "13912349999").status_code == 302


def test_with_an_sms_gateway_the_page_neither_mentions_the_console_nor_shows_the_code(db, settings):
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/sms"
    client = client_for(None)
    _start(client)
    body = client.get("/accounts/register/verify/").content.decode()
    assert "服务器控制台" not in body and _code_for(PHONE) not in body
