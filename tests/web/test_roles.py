"""The role matrix: every page, every kind of user, the answer each must get."""

import pytest

from tests.conftest import client_for, draft, submitted

USERS = ["anonymous", "alice", "bob", "cm", "pm", "counter", "cm_elsewhere", "supervisor", "admin_user"]
LOGIN = 302

# page -> expected status per user (alice owns the application; Kaili staff handle it).
MATRIX = {
    "home": dict.fromkeys(USERS, 200),
    "progress": dict.fromkeys(USERS, 200),
    "apply": {**dict.fromkeys(USERS, 403), "anonymous": LOGIN, "alice": 200, "bob": 200},
    "enter": {**dict.fromkeys(USERS, 403), "anonymous": LOGIN, "counter": 200},
    "mine": {**dict.fromkeys(USERS, 403), "anonymous": LOGIN, "alice": 200, "bob": 200, "counter": 200},
    "queue": {**dict.fromkeys(USERS, 403), "anonymous": LOGIN, "cm": 200, "pm": 200, "counter": 200,
              "cm_elsewhere": 200},
    "inbox": {**dict.fromkeys(USERS, 200), "anonymous": LOGIN},
    "detail": {"anonymous": LOGIN, "alice": 200, "bob": 404, "cm": 200, "pm": 200, "counter": 200,
               "cm_elsewhere": 404, "supervisor": 200, "admin_user": 200},
    "documents": {"anonymous": LOGIN, "alice": 200, "bob": 404, "cm": 403, "pm": 403, "counter": 403,
                  "cm_elsewhere": 403, "supervisor": 403, "admin_user": 403},
    "withdraw": {"anonymous": LOGIN, "alice": 200, "bob": 404, "cm": 403, "pm": 403, "counter": 403,
                 "cm_elsewhere": 403, "supervisor": 403, "admin_user": 403},
    "complete": {"anonymous": LOGIN, "alice": 403, "bob": 404, "cm": 302, "pm": 302, "counter": 403,
                 "cm_elsewhere": 403, "supervisor": 403, "admin_user": 403},
    "visit": {"anonymous": LOGIN, "alice": 403, "bob": 404, "cm": 302, "pm": 302, "counter": 302,
              "cm_elsewhere": 403, "supervisor": 403, "admin_user": 403},
}  # fmt: skip


@pytest.mark.parametrize("page", sorted(MATRIX))
@pytest.mark.parametrize("who", USERS)
def test_role_matrix(request, page, who, alice, kaili, cm, pm):
    user = None if who == "anonymous" else request.getfixturevalue(who)
    app = (
        submitted(alice, kaili)
        if page not in ("home", "apply", "enter", "mine", "queue", "inbox", "documents")
        else None
    )
    unsent = draft(alice, kaili, address="草稿地址") if page == "documents" else None
    client = client_for(user)
    response = {
        "home": lambda: client.get("/"),
        "progress": lambda: client.get("/applications/progress/", {"no": app.no, "phone_last4": alice.phone[-4:]}),
        "apply": lambda: client.get("/applications/new/"),
        "enter": lambda: client.get("/applications/counter/new/"),
        "mine": lambda: client.get("/applications/"),
        "queue": lambda: client.get("/applications/queue/"),
        "inbox": lambda: client.get("/notify/inbox/"),
        "detail": lambda: client.get(f"/applications/{app.no}/"),
        "documents": lambda: client.get(f"/applications/{unsent.no}/documents/"),
        "withdraw": lambda: client.get(f"/applications/{app.no}/withdraw/"),
        "complete": lambda: client.post(f"/applications/{app.no}/complete/", {"stage": "apply"}),
        "visit": lambda: client.post(f"/applications/{app.no}/visit/", {"visit-note": "到场"}),
    }[page]()
    expected = MATRIX[page][who]
    assert response.status_code == expected
    if expected == LOGIN and who == "anonymous":
        assert response["Location"].startswith("/accounts/login/")
