from decimal import Decimal

from bandian.applications import services
from bandian.applications.enums import Channel
from tests.conftest import client_for, draft, submitted


def test_applicants_see_their_own_applications_only(alice, bob, kaili, cm, pm):
    mine = submitted(alice, kaili)
    unsent = draft(alice, kaili, address="草稿地址")
    theirs = submitted(bob, kaili, address="别人的地址")
    body = client_for(alice).get("/applications/").content.decode()
    assert mine.no in body and unsent.no in body and theirs.no not in body
    assert "办理中" in body and "草稿" in body


def test_counter_staff_see_what_they_entered(counter, alice, kaili):
    entered = services.application_create(
        actor=counter, customer_class="residential", county=kaili, urban=True, address="柜台录入",
        capacity_kw=Decimal("8"), voltage_kv=Decimal("0.22"), applicant_name="王五", phone="13700001111",
        channel=Channel.COUNTER,
    )  # fmt: skip
    other = draft(alice, kaili)
    body = client_for(counter).get("/applications/").content.decode()
    assert entered.no in body and other.no not in body


def test_my_applications_refuses_outsiders(db, cm, supervisor):
    assert client_for(None).get("/applications/")["Location"].startswith("/accounts/login/")
    for user in (cm, supervisor):
        assert client_for(user).get("/applications/").status_code == 403
