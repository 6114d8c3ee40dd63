from bandian.applications.enums import Status
from tests.conftest import client_for, draft, submitted


def test_withdraw_asks_for_confirmation_then_withdraws(alice, kaili, cm, pm):
    app = submitted(alice, kaili)
    client = client_for(alice)
    page = client.get(f"/applications/{app.no}/withdraw/")
    assert page.status_code == 200 and "确认撤回" in page.content.decode()
    app.refresh_from_db()
    assert app.status == Status.IN_PROGRESS  # a GET changes nothing
    response = client.post(f"/applications/{app.no}/withdraw/", {"note": "不需要了"}, follow=True)
    app.refresh_from_db()
    assert app.status == Status.WITHDRAWN and "已撤回" in response.content.decode()


def test_a_draft_can_be_withdrawn(alice, kaili):
    app = draft(alice, kaili)
    client_for(alice).post(f"/applications/{app.no}/withdraw/")
    app.refresh_from_db()
    assert app.status == Status.WITHDRAWN


def test_withdrawing_twice_shows_the_refusal(alice, kaili, cm, pm):
    app = submitted(alice, kaili)
    client_for(alice).post(f"/applications/{app.no}/withdraw/")
    response = client_for(alice).post(f"/applications/{app.no}/withdraw/", {"note": "再撤一次"})
    body = response.content.decode()
    assert response.status_code == 400 and "不能撤回" in body and "再撤一次" in body


def test_withdraw_refuses_outsiders(alice, bob, kaili, cm, pm, cm_elsewhere, supervisor):
    app = submitted(alice, kaili)
    url = f"/applications/{app.no}/withdraw/"
    assert client_for(None).post(url)["Location"].startswith("/accounts/login/")
    assert client_for(bob).post(url).status_code == 404
    assert client_for(cm_elsewhere).post(url).status_code == 403
    for user in (cm, pm, supervisor):
        assert client_for(user).post(url).status_code == 403
    app.refresh_from_db()
    assert app.status == Status.IN_PROGRESS
