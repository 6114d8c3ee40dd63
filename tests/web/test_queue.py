import datetime as dt
import re

import pytest

from bandian.applications import services
from tests.conftest import client_for, draft, submitted


def _rows(body: str) -> list[tuple[str, str]]:
    """(urgency, application number) of each queue row, in order."""
    return re.findall(r'<tr class="urgency-(\w+)" data-no="([\w-]+)"', body)


def test_the_queue_lists_the_countys_open_applications_by_stage_due_time(alice, bob, kaili, cm, pm, clock):
    hv = submitted(alice, kaili, "hv_single", capacity_kw=500)  # apply: 2 working days
    clock.shift(dt.timedelta(hours=1))
    res = submitted(bob, kaili)  # apply: 1 working day, due earlier
    huangping = submitted(bob, kaili.__class__.objects.get(pk="522622"))
    closed = submitted(alice, kaili, address="另一个地址")
    services.application_withdraw(application=closed, actor=alice)
    unsent = draft(alice, kaili)
    body = client_for(cm).get("/applications/queue/").content.decode()
    numbers = [no for _, no in _rows(body)]
    assert numbers == [res.no, hv.no]
    for absent in (huangping.no, closed.no, unsent.no):
        assert absent not in body


def test_overdue_is_red_and_80_percent_used_is_amber(alice, bob, kaili, cm, pm, clock):
    late = submitted(alice, kaili)  # apply due 2026-06-03 10:00
    clock.shift(dt.timedelta(hours=6))
    near = submitted(bob, kaili, "hv_dual", capacity_kw=900)  # apply: 2 days, due 2026-06-04 16:00
    fresh = submitted(bob, kaili, "hv_single", capacity_kw=900, address="新地址")
    # 2026-06-04 08:00: `late` is 22 h overdue, `near` has used 40 of 48 h (83 %), `fresh` less.
    clock.move_to(dt.datetime(2026, 6, 4, 0, 0, tzinfo=dt.UTC))
    services.stage_complete(application=fresh, stage="apply", actor=cm)
    body = client_for(pm).get("/applications/queue/").content.decode()
    marks = dict((no, mark) for mark, no in _rows(body))
    assert marks[late.no] == "overdue" and marks[near.no] == "warning" and marks[fresh.no] == "normal"
    assert "超期" in body and "临近期限" in body


def test_paused_applications_show_as_paused(alice, kaili, cm, pm):
    app = submitted(alice, kaili)
    services.application_pause(application=app, reason="customer_works", note="施工", actor=cm)
    body = client_for(cm).get("/applications/queue/").content.decode()
    assert ("paused", app.no) in _rows(body)


def test_filters_by_status_class_and_mine(alice, bob, kaili, cm, pm, clock):
    from tests.conftest import make_user

    res = submitted(alice, kaili)
    hv = submitted(bob, kaili, "hv_single", capacity_kw=500)
    services.application_pause(application=hv, reason="customer_works", note="施工", actor=cm)
    client = client_for(cm)
    paused = client.get("/applications/queue/?status=paused").content.decode()
    assert [no for _, no in _rows(paused)] == [hv.no]
    residential = client.get("/applications/queue/?customer_class=residential").content.decode()
    assert [no for _, no in _rows(residential)] == [res.no]
    other_cm = make_user("cm-kaili-2", "customer_manager", "522601")
    assert _rows(client_for(other_cm).get("/applications/queue/?mine=on").content.decode()) == []
    assert len(_rows(client.get("/applications/queue/?mine=on").content.decode())) == 2
    # A bad filter value is ignored, not a crash.
    assert client.get("/applications/queue/?status=nonsense").status_code == 200


def test_the_queue_refuses_outsiders(alice, supervisor, admin_user):
    assert client_for(None).get("/applications/queue/")["Location"].startswith("/accounts/login/")
    for user in (alice, supervisor):
        assert client_for(user).get("/applications/queue/").status_code == 403


@pytest.mark.parametrize("n", [1, 5])
def test_the_queue_makes_a_fixed_number_of_queries(n, alice, kaili, cm, pm, django_assert_max_num_queries):
    for i in range(n):
        submitted(alice, kaili, address=f"凯里市 {i} 号")
    client = client_for(cm)
    client.get("/applications/queue/")  # warm the calendar and the session
    with django_assert_max_num_queries(8):
        body = client.get("/applications/queue/").content.decode()
    assert len(_rows(body)) == n


def test_closed_applications_are_listed_on_request_without_marks(alice, bob, kaili, cm, pm, clock):
    done = submitted(alice, kaili)
    services.stage_complete(application=done, stage="apply", actor=cm)
    services.stage_complete(application=done, stage="connect", actor=pm)
    open_one = submitted(bob, kaili)
    clock.shift(dt.timedelta(days=30))
    body = client_for(cm).get("/applications/queue/?status=closed").content.decode()
    assert _rows(body) == [("normal", done.no)] and open_one.no not in body
