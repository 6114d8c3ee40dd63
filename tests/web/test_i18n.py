from tests.conftest import client_for, submitted


def test_switching_to_english_shows_english_pages(alice, kaili, cm, pm):
    app = submitted(alice, kaili)
    client = client_for(alice)
    assert "我的申请" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    home = client.get("/").content.decode()
    assert "My applications" in home and "Apply for electricity" in home and "我的申请" not in home
    detail = client.get(f"/applications/{app.no}/").content.decode()
    assert "In progress" in detail and "Steps" in detail
    # Policy labels come in the policy's own English.
    assert "Application accepted" in detail and "Meter installed and energised" in detail


def test_english_for_anonymous_visitors_through_the_accept_language_header(db):
    body = client_for(None).get("/accounts/register/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Send code" in body and 'lang="en"' in body
