"""One set of limits (bandian/core/limits.py) for the pages and the API: the same overlong note
or out-of-range date is a form error on the page (keeping what was typed) and a 422 from the API."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.utils import translation

from bandian.applications.enums import EventType
from bandian.applications.models import Event
from bandian.core import limits
from bandian.core.time import SHANGHAI
from bandian.outages.models import OutageEvent
from tests.api.conftest import bearer
from tests.conftest import client_for, submitted
from tests.grid.builders import build_grid

NOW = dt.datetime(2026, 6, 2, 10, 0, tzinfo=SHANGHAI)
TOO_LONG = "长" * (limits.NOTE_MAX + 1)
JUST_RIGHT = "长" * limits.NOTE_MAX


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def app(alice, kaili, cm, pm):
    return submitted(alice, kaili)


# (web action, web field, API action, API body without the note, the API's note field, multipart)
ACTIONS = [
    ("complete", "complete-note", "complete-step", {"stage": "apply"}, "note", False),
    ("pause", "pause-note", "pause", {"reason": "customer_not_ready"}, "note", True),
    ("visit", "visit-note", "visit", {}, "note", False),
    ("cancel", "cancel-note", "cancel", {}, "reason", False),
]


def _api(client, url, body, multipart):
    if multipart:
        return client.post(url, body)
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize(("web", "field", "api", "body", "api_field", "multipart"), ACTIONS)
def test_an_overlong_note_is_refused_by_the_page_and_the_api(app, cm, web, field, api, body, api_field, multipart):
    web_data = {field: TOO_LONG, "pause-reason": "customer_not_ready"}
    page = client_for(cm).post(f"/applications/{app.no}/{web}/", web_data)
    assert page.status_code == 400
    html = page.content.decode()
    assert f"{limits.NOTE_MAX}" in html and TOO_LONG in html  # the error, and what was typed

    answer = _api(bearer(cm), f"/api/v1/applications/{app.no}/{api}", {**body, api_field: TOO_LONG}, multipart)
    assert answer.status_code == 422
    assert api_field in answer.json()["detail"]
    assert not Event.objects.filter(application=app, note=TOO_LONG).exists()


def test_a_note_at_the_limit_is_taken_by_both(app, cm, alice):
    page = client_for(cm).post(f"/applications/{app.no}/visit/", {"visit-note": JUST_RIGHT})
    assert page.status_code == 302
    answer = _api(bearer(cm), f"/api/v1/applications/{app.no}/visit", {"note": JUST_RIGHT}, False)
    assert answer.status_code == 200
    assert Event.objects.filter(application=app, type=EventType.VISIT, note=JUST_RIGHT).count() == 2


def test_an_overlong_withdrawal_note_is_refused_by_the_page_and_the_api(alice, kaili):
    app = submitted(alice, kaili)
    before = app.status
    page = client_for(alice).post(f"/applications/{app.no}/withdraw/", {"note": TOO_LONG})
    assert page.status_code == 400 and TOO_LONG in page.content.decode()
    answer = _api(bearer(alice), f"/api/v1/applications/{app.no}/withdraw", {"note": TOO_LONG}, False)
    assert answer.status_code == 422
    app.refresh_from_db()
    assert app.status == before


BAD_TIMES = ["0001-01-01T00:00", "1999-12-31T23:59", "2100-01-01T00:00", "9999-12-31T23:59"]


@pytest.mark.parametrize("when", BAD_TIMES)
def test_an_outage_date_out_of_range_is_a_form_error_keeping_what_was_typed(db, cm, when):
    from bandian.accounts.models import Role
    from tests.conftest import make_user

    build_grid()
    operator = make_user("op", Role.GRID_OPERATOR, "522601")
    data = {"feeder": "F1", "kind": "fault", "cause": "internal", "start": when, "description": "城东线跳闸"}
    page = client_for(operator).post("/outages/new/", data)
    assert page.status_code == 400
    html = page.content.decode()
    assert limits.date_range_message() in html
    assert "城东线跳闸" in html and when in html
    assert not OutageEvent.objects.exists()


@pytest.mark.parametrize("when", [t + ":00+08:00" for t in BAD_TIMES])
def test_the_api_refuses_a_device_time_out_of_the_same_range(app, cm, when):
    answer = _api(bearer(cm), f"/api/v1/applications/{app.no}/visit", {"note": "到场", "device_time": when}, False)
    assert answer.status_code == 422
    assert "device_time" in answer.json()["detail"]
    assert not Event.objects.filter(application=app, type=EventType.VISIT).exists()


def test_the_outage_services_refuse_a_date_out_of_range(db):
    from bandian.outages import services
    from bandian.outages.services import OutageError

    grid = build_grid()
    for start in (dt.datetime(1, 1, 1, tzinfo=SHANGHAI), dt.datetime(9999, 12, 31, tzinfo=SHANGHAI)):
        with pytest.raises(OutageError, match="2000"):
            services.event_create(feeder=grid.feeder, kind="fault", cause="internal", start=start, actor=None)
    event = services.event_create(feeder=grid.feeder, kind="fault", cause="internal", start=NOW, actor=None)
    with pytest.raises(OutageError, match="2099"):
        services.restoration_add(event=event, at=dt.datetime(9999, 1, 1, tzinfo=SHANGHAI), actor=None)
    assert not event.steps.exists()


def test_an_imported_interruption_out_of_range_is_named_by_line_and_field(db):
    from bandian.outages.importer import import_interruptions

    build_grid()
    data = (
        "event_id,user_id,start,end,kind,cause\n"
        "E1,T1,0001-01-01T00:00:00,2026-05-10T10:30:00+08:00,fault,internal\n"
        "E1,T2,2026-05-10T08:00:00,9999-12-31T23:59:59,fault,internal\n"
        "E1,T3,2026-05-10T08:00:00,2026-05-10T10:30:00,fault,internal\n"
    )
    with translation.override("en"):
        report = import_interruptions(data.encode(), "f.csv")
    assert [e.split(":")[0] for e in report.errors] == ["line 2, field start", "line 3, field end"]
    assert report.interruptions.created == 1


def test_a_grid_user_in_service_in_the_year_9999_is_refused(db, admin_user):
    build_grid()
    page = client_for(admin_user).post(
        "/grid/mv-users/new/",
        {"user_id": "H9", "kind": "hv_customer", "name": "某厂", "feeder": "F1", "county": "522601",
         "area_class": "urban", "in_service_from": "9999-01-01"},
    )  # fmt: skip
    assert page.status_code == 400
    assert limits.date_range_message() in page.content.decode()


@pytest.mark.parametrize("users", [["9" * 25], ["²"], ["1", "-1"]])
def test_a_restoration_step_naming_users_by_ids_that_are_no_ids_is_a_form_error(db, users):
    from bandian.accounts.models import Role
    from bandian.outages import services
    from tests.conftest import make_user

    grid = build_grid()
    operator = make_user("op", Role.GRID_OPERATOR, "522601")
    event = services.event_create(feeder=grid.feeder, kind="fault", cause="internal", start=NOW, actor=None)
    page = client_for(operator).post(
        f"/outages/{event.reference}/steps/", {"at": "2026-06-02T11:00", "users": users, "note": "抢修完毕"}
    )
    assert page.status_code == 400
    assert "抢修完毕" in page.content.decode()
    assert not event.steps.exists()
