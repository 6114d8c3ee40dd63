import pytest

from tests.conftest import client_for


def _nav(user) -> str:
    body = client_for(user).get("/").content.decode()
    return body.split("<nav>")[1].split("</nav>")[0]


@pytest.mark.parametrize(
    ("who", "shown", "hidden"),
    [
        (
            "anonymous",
            {"nav-login", "nav-register", "nav-progress", "nav-policy", "nav-contract-verify"},
            {"nav-apply", "nav-queue", "nav-inbox"},
        ),
        ("alice", {"nav-apply", "nav-mine", "nav-inbox", "nav-progress"}, {"nav-queue", "nav-enter", "nav-login"}),
        ("cm", {"nav-queue", "nav-inbox"}, {"nav-apply", "nav-enter", "nav-mine", "nav-supervision"}),
        ("counter", {"nav-queue", "nav-enter", "nav-mine"}, {"nav-apply"}),
        ("supervisor", {"nav-inbox", "nav-progress", "nav-supervision"}, {"nav-apply", "nav-queue", "nav-enter"}),
    ],
)
def test_the_navigation_shows_the_links_of_the_role(db, request, who, shown, hidden):
    user = None if who == "anonymous" else request.getfixturevalue(who)
    nav = _nav(user)
    for link in shown:
        assert f'id="{link}"' in nav
    for link in hidden:
        assert f'id="{link}"' not in nav


def test_the_home_page_explains_the_service_and_offers_login_and_register(db):
    body = client_for(None).get("/").content.decode()
    assert "三零" in body and 'id="home-register"' in body and 'id="home-login"' in body
