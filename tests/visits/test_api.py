"""GET /visit-slots, POST and DELETE /visit-booking: the applicant's side, and the outsiders refused."""

from __future__ import annotations

import pytest

from bandian.applications.visits.models import Booking
from tests.api.conftest import bearer, post_json
from tests.conftest import client_for, submitted
from tests.visits.conftest import at

pytestmark = pytest.mark.django_db
BASE = "/api/v1/applications"


def test_the_applicant_lists_books_moves_and_cancels(hv_app, slots, alice):
    client = bearer(alice)
    listed = client.get(f"{BASE}/{hv_app.no}/visit-slots")
    assert listed.status_code == 200
    body = listed.json()
    assert body["booking"] is None and [s["id"] for s in body["slots"]] == [s.pk for s in slots]
    assert body["slots"][0]["starts_at"].startswith("2026-06-03T09:00:00+08:00")

    booked = post_json(client, f"{BASE}/{hv_app.no}/visit-booking", {"slot": slots[0].pk})
    assert booked.status_code == 201, booked.json()
    assert booked.json()["status"] == "booked"
    assert booked.json()["changeable_until"].startswith("2026-06-02T09:00:00+08:00")

    moved = post_json(client, f"{BASE}/{hv_app.no}/visit-booking", {"slot": slots[1].pk})
    assert moved.status_code == 200 and moved.json()["slot"]["id"] == slots[1].pk
    after = client.get(f"{BASE}/{hv_app.no}/visit-slots").json()
    assert after["booking"]["slot"]["id"] == slots[1].pk
    assert slots[1].pk not in [s["id"] for s in after["slots"]]

    cancelled = client.delete(f"{BASE}/{hv_app.no}/visit-booking")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert client.delete(f"{BASE}/{hv_app.no}/visit-booking").status_code == 409


def test_bad_input_is_refused_clearly_and_changes_nothing(hv_app, slots, alice, bob, kaili, now):
    client = bearer(alice)
    assert post_json(client, f"{BASE}/{hv_app.no}/visit-booking", {"slot": 999999}).status_code == 404
    assert post_json(client, f"{BASE}/{hv_app.no}/visit-booking", {"slot": "x"}).status_code == 422
    assert post_json(client, f"{BASE}/{hv_app.no}/visit-booking", {}).status_code == 422
    low = submitted(alice, kaili, address="凯里市北京东路 2 号")
    refused = post_json(client, f"{BASE}/{low.no}/visit-booking", {"slot": slots[0].pk})
    assert refused.status_code == 400 and "高压" in refused.json()["detail"]
    assert client.get(f"{BASE}/{low.no}/visit-slots").json()["slots"] == []

    other = submitted(bob, kaili, "hv_dual", capacity_kw=800, address="凯里市文化北路 3 号")
    assert post_json(bearer(bob), f"{BASE}/{other.no}/visit-booking", {"slot": slots[0].pk}).status_code == 201
    taken = post_json(client, f"{BASE}/{hv_app.no}/visit-booking", {"slot": slots[0].pk})
    assert taken.status_code == 409 and "已被预约" in taken.json()["detail"]

    now.move_to(at(2026, 6, 3, 10))
    expired = post_json(client, f"{BASE}/{hv_app.no}/visit-booking", {"slot": slots[0].pk})
    assert expired.status_code == 400 and "过期" in expired.json()["detail"]
    assert not Booking.objects.filter(application=hv_app).exists()


def test_too_late_to_change(hv_app, slots, alice, now):
    client = bearer(alice)
    post_json(client, f"{BASE}/{hv_app.no}/visit-booking", {"slot": slots[0].pk})
    now.move_to(at(2026, 6, 2, 12))
    late = client.delete(f"{BASE}/{hv_app.no}/visit-booking")
    assert late.status_code == 409 and "24 小时" in late.json()["detail"]
    assert Booking.objects.get().status == "booked"


def test_outsiders_are_refused(hv_app, slots, alice, mallory, cm, cm_elsewhere, supervisor):
    url = f"{BASE}/{hv_app.no}/visit-booking"
    assert client_for(None).get(f"{BASE}/{hv_app.no}/visit-slots").status_code == 401
    assert post_json(client_for(None), url, {"slot": slots[0].pk}).status_code == 401
    assert bearer(mallory).get(f"{BASE}/{hv_app.no}/visit-slots").status_code == 404
    assert post_json(bearer(mallory), url, {"slot": slots[0].pk}).status_code == 404
    assert bearer(cm_elsewhere).delete(url).status_code == 404
    # Staff see the slots but do not book for the applicant; a supervisor changes nothing.
    assert bearer(cm).get(f"{BASE}/{hv_app.no}/visit-slots").status_code == 200
    assert post_json(bearer(cm), url, {"slot": slots[0].pk}).status_code == 403
    assert post_json(bearer(supervisor), url, {"slot": slots[0].pk}).status_code == 403
    assert not Booking.objects.exists()
