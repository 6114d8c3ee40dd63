"""The annual plan due by the end of February (reminders 30, 7 and 1 days before; late or
missing after), and the problems the daily scan puts on the list by itself."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command

from bandian.applications import services
from bandian.core.time import SHANGHAI
from bandian.notify.models import Message
from bandian.supervision import annual
from bandian.supervision.models import Rectification, Source
from bandian.supervision.sources import scan
from tests.conftest import client_for, pdf_upload, submitted
from tests.rectifications.conftest import bearer

pytestmark = pytest.mark.django_db


def at(y, m, d, h=9):
    return dt.datetime(y, m, d, h, tzinfo=SHANGHAI)


def test_the_plan_is_due_on_the_last_day_of_february_29_in_a_leap_year():
    assert annual.plan_due(2027) == dt.date(2027, 2, 28)
    assert annual.plan_due(2028) == dt.date(2028, 2, 29)
    assert annual.plan_due(2100) == dt.date(2100, 2, 28)


def reminders(admin_user):
    return list(
        Message.objects.filter(recipient=admin_user, channel=Message.Channel.INAPP, subject__contains="年度实施方案")
        .order_by("id")
        .values_list("subject", flat=True)
    )


def test_reminders_30_7_and_1_days_before_then_late_and_an_item_opens(admin_user, supervisor):
    # 2028: due 29 February. 30 days before is 30 January.
    scan(at=at(2028, 1, 29))
    assert reminders(admin_user) == []
    scan(at=at(2028, 1, 30))
    scan(at=at(2028, 1, 31))  # the same reminder is not sent twice
    assert len(reminders(admin_user)) == 1 and "还有 30 天" in reminders(admin_user)[0]
    scan(at=at(2028, 2, 22))
    scan(at=at(2028, 2, 28))
    assert [s.split("（")[1] for s in reminders(admin_user)] == ["还有 30 天）", "还有 7 天）", "还有 1 天）"]
    scan(at=at(2028, 2, 29, 23))
    assert not Rectification.objects.filter(source=Source.ANNUAL_PLAN).exists()
    assert annual.plan_line(2028, today=dt.date(2028, 2, 29)).status == "due"
    scan(at=at(2028, 3, 1))
    item = Rectification.objects.get(source=Source.ANNUAL_PLAN, subject="2028")
    assert item.unit == "utility" and "逾期未报送" in item.title
    assert annual.plan_line(2028, today=dt.date(2028, 3, 1)).status == "missing"
    scan(at=at(2028, 3, 2))
    assert Rectification.objects.filter(source=Source.ANNUAL_PLAN).count() == 1
    # Filed late: the line says so.
    annual.annual_plan_file(
        year=2028, title="2028 年实施方案", upload=pdf_upload(), actor=admin_user, at=at(2028, 3, 3)
    )
    assert annual.plan_line(2028, today=dt.date(2028, 3, 3)).status == "late"


def test_a_plan_filed_on_time_stops_the_reminders(admin_user):
    annual.annual_plan_file(
        year=2027, title="2027 年实施方案", upload=pdf_upload(), actor=admin_user, at=at(2027, 1, 10)
    )
    scan(at=at(2027, 2, 27))
    scan(at=at(2027, 3, 5))
    assert reminders(admin_user) == [] or all("2027" not in s for s in reminders(admin_user))
    assert annual.plan_line(2027, today=dt.date(2027, 3, 5)).status == "submitted"
    assert not Rectification.objects.filter(source=Source.ANNUAL_PLAN, subject="2027").exists()


def test_filing_is_for_the_utility_once_per_year_and_checks_the_file(admin_user, supervisor, cm):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from bandian.core.errors import ServiceError, StateConflict

    with pytest.raises(ServiceError):
        annual.annual_plan_file(year=2027, title="x", upload=pdf_upload(), actor=cm, at=at(2027, 1, 5))
    with pytest.raises(ServiceError):
        annual.annual_plan_file(
            year=2027, title="x", upload=SimpleUploadedFile("x.exe", b"MZ..."), actor=admin_user, at=at(2027, 1, 5)
        )
    annual.annual_plan_file(year=2027, title="方案", upload=pdf_upload(), actor=admin_user, at=at(2027, 1, 5))
    with pytest.raises(StateConflict):
        annual.annual_plan_file(year=2027, title="again", upload=pdf_upload(), actor=admin_user, at=at(2027, 1, 6))


def test_the_pages_and_the_api(admin_user, supervisor, housing, alice):
    with time_machine.travel(at(2027, 1, 20), tick=False):
        page = client_for(admin_user).post(
            "/supervision/annual-plans/",
            {"kind": "plan", "year": "2027", "title": "2027 年度实施方案", "file": pdf_upload()},
        )
        assert page.status_code == 302
        again = client_for(admin_user).post(
            "/supervision/annual-plans/", {"kind": "plan", "year": "2027", "title": "again", "file": pdf_upload()}
        )
        assert again.status_code == 409
        assert (
            client_for(admin_user)
            .post("/supervision/annual-plans/", {"kind": "interim", "title": "一季度成效", "text": "办电时间压减 20%"})
            .status_code
            == 302
        )
        view = client_for(housing).get("/supervision/annual-plans/")
        assert view.status_code == 200 and "一季度成效" in view.content.decode() and "按期报送" in view.content.decode()
        assert (
            client_for(housing)
            .post("/supervision/annual-plans/", {"kind": "interim", "title": "x", "text": "y"})
            .status_code
            == 403
        )
        assert client_for(supervisor).get("/supervision/annual-plans/2027/file").status_code == 200
        lines = bearer(supervisor).get("/api/v1/supervision/annual-plans?year=2027").json()
        assert lines == [
            {"year": 2027, "due": "2027-02-28", "submitted_at": lines[0]["submitted_at"], "status": "submitted"}
        ]
        assert lines[0]["submitted_at"].startswith("2027-01-20")
        nxt = bearer(supervisor).get("/api/v1/supervision/annual-plans?year=2028").json()
        assert nxt == [{"year": 2028, "due": "2028-02-29", "submitted_at": None, "status": "due"}]
        assert bearer(supervisor).get("/api/v1/supervision/annual-plans?year=abc").status_code in (400, 422)
    for outsider in (alice,):
        assert client_for(outsider).get("/supervision/annual-plans/").status_code == 403
        assert client_for(outsider).get("/supervision/annual-plans/2027/file").status_code == 403
        assert bearer(outsider).get("/api/v1/supervision/annual-plans").status_code == 403
    assert client_for(None).get("/api/v1/supervision/annual-plans").status_code == 401


def test_an_application_past_its_limit_is_put_on_the_list_once(alice, kaili, staffed):
    with time_machine.travel(at(2026, 6, 1), tick=False):
        app = submitted(alice, kaili)
    app.refresh_from_db()
    assert app.due_at is not None
    scan(at=app.due_at - dt.timedelta(hours=1))
    assert not Rectification.objects.filter(source=Source.OVERDUE_APPLICATION).exists()
    opened = scan(at=app.due_at + dt.timedelta(hours=1))
    assert opened.get(Source.OVERDUE_APPLICATION) == 1
    item = Rectification.objects.get(source=Source.OVERDUE_APPLICATION)
    assert item.subject == app.no and item.county_id == "522601" and item.unit == "utility"
    assert scan(at=app.due_at + dt.timedelta(days=1)).get(Source.OVERDUE_APPLICATION) is None


def test_an_application_in_time_opens_nothing(alice, kaili, staffed, cm, pm):
    with time_machine.travel(at(2026, 6, 1), tick=False):
        app = submitted(alice, kaili)
        services.stage_complete(application=app, stage="apply", actor=cm)
    scan(at=at(2026, 6, 2))
    assert not Rectification.objects.exclude(source=Source.ANNUAL_PLAN).exists()


def test_the_scan_command(admin_user):
    with time_machine.travel(at(2026, 6, 1), tick=False):
        call_command("supervision", "scan")
