from tests.conftest import client_for, draft, submitted


def test_anyone_sees_steps_and_deadlines_without_personal_data(alice, kaili, cm, pm):
    app = submitted(alice, kaili, address="凯里市秘密路 99 号")
    response = client_for(None).get("/applications/progress/", {"no": app.no.lower(), "phone_last4": alice.phone[-4:]})
    body = response.content.decode()
    assert response.status_code == 200 and 'id="progress-result"' in body
    assert "受理申请" in body and "装表接电" in body and "办理中" in body
    assert app.due_at.astimezone(kaili_tz()).strftime("%Y-%m-%d %H:%M") in body
    for secret in ("凯里市秘密路", alice.phone, alice.display_name, "cm-kaili", "pm-kaili"):
        assert secret not in body


def kaili_tz():
    from bandian.core.time import SHANGHAI

    return SHANGHAI


def test_a_wrong_phone_or_number_gets_the_same_answer(alice, kaili, cm, pm):
    app = submitted(alice, kaili)
    client = client_for(None)
    wrong_phone = client.get("/applications/progress/", {"no": app.no, "phone_last4": "0000"}).content.decode()
    wrong_no = client.get("/applications/progress/", {"no": "QDN-2026-424242", "phone_last4": "0001"}).content.decode()
    for body in (wrong_phone, wrong_no):  # both 404
        assert "没有找到这个申请" in body and 'id="progress-result"' not in body
    assert "QDN-2026-424242" in wrong_no  # what was typed is kept


def test_drafts_are_not_found_and_bad_input_is_explained(alice, kaili):
    app = draft(alice, kaili)
    client = client_for(None)
    assert "没有找到" in client.get("/applications/progress/", {"no": app.no, "phone_last4": "0001"}).content.decode()
    response = client.get("/applications/progress/", {"no": app.no, "phone_last4": "abcd"})
    assert response.status_code == 422 and "请输入 4 位数字" in response.content.decode()
    assert client.get("/applications/progress/").status_code == 200


def test_repeated_wrong_answers_for_a_number_are_refused_for_a_while(alice, kaili, cm, pm):
    app = submitted(alice, kaili)
    client = client_for(None)
    for _ in range(10):
        assert client.get("/applications/progress/", {"no": app.no, "phone_last4": "0000"}).status_code == 404
    right = {"no": app.no, "phone_last4": alice.phone[-4:]}
    response = client.get("/applications/progress/", right)
    assert response.status_code == 429 and "查询失败次数过多" in response.content.decode()
