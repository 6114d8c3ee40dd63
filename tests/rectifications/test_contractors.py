"""Contractors: the licence register, declarations of a high-voltage customer's contractors, a
builder without a valid licence flagged, 三指定 concentration opening a rectification item."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from bandian.core.errors import ServiceError
from bandian.core.time import SHANGHAI
from bandian.supervision import contractors
from bandian.supervision.models import Rectification, Source
from bandian.supervision.sources import scan
from tests.conftest import client_for, make_user, submitted
from tests.rectifications.conftest import bearer

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 6, 1, 9, tzinfo=SHANGHAI)
REGISTER = (
    "name,licence_no,licence_class,level,valid_from,valid_to\n"
    "黔电建设,5-1-00001-2020,承装、承修,四级,2020-01-01,2026-12-31\n"
    "过期电力,5-1-00002-2016,承装,五级,2016-01-01,2022-12-31\n"
    "坏日期,5-1-00003-2020,承装,五级,2020-01-01,2019-01-01\n"
)


def hv_apps(applicant, county, n):
    with time_machine.travel(NOW - dt.timedelta(days=10), tick=False):
        return [
            submitted(applicant, county, "hv_single", capacity_kw=800, address=f"凯里市工业园 {i} 号") for i in range(n)
        ]


def test_the_register_imports_and_updates(supervisor):
    report = contractors.import_csv(REGISTER, actor=None, at=NOW)
    assert (report.added, report.updated, [line for line, _ in report.errors]) == (2, 0, [4])
    again = contractors.import_csv(REGISTER.replace("四级", "三级"), actor=None, at=NOW)
    assert (again.added, again.updated) == (0, 2)
    rows = {r["licence_no"]: r for r in contractors.register(today=dt.date(2026, 6, 1))}
    assert rows["5-1-00001-2020"]["level"] == "三级" and rows["5-1-00001-2020"]["valid_today"]
    assert not rows["5-1-00002-2016"]["valid_today"]


def test_a_builder_without_a_valid_licence_is_flagged(alice, kaili, staffed, cm, supervisor):
    contractors.import_csv(REGISTER, actor=None, at=NOW)
    app, other, third = hv_apps(alice, kaili, 3)
    contractors.declare_contractors(
        application=app, declarations={"builder": ("过期电力", "5-1-00002-2016")}, actor=alice, at=NOW
    )
    contractors.declare_contractors(
        application=other, declarations={"builder": ("无证施工队", "")}, actor=alice, at=NOW
    )
    contractors.declare_contractors(
        application=third, declarations={"builder": ("黔电建设", "5-1-00001-2020")}, actor=alice, at=NOW
    )
    flagged = {d.application.no: why for d, why in contractors.unlicensed_builders()}
    assert set(flagged) == {app.no, other.no} and "有效期" in flagged[app.no]
    with time_machine.travel(NOW, tick=False):
        page = client_for(cm).get(f"/supervision/contractors/declare/{app.no}/")
        assert page.status_code == 200 and "有效期" in page.content.decode()
        assert app.no in client_for(supervisor).get("/supervision/contractors/").content.decode()
        rows = bearer(supervisor).get("/api/v1/supervision/contractors?flagged=true").json()
        assert [r["licence_no"] for r in rows] == ["5-1-00002-2016"] and rows[0]["reasons"] == ["licence_not_valid"]


def test_only_the_applicant_or_their_manager_declares_for_high_voltage(alice, bob, kaili, staffed, cm_elsewhere):
    (app,) = hv_apps(alice, kaili, 1)
    for outsider in (bob, cm_elsewhere):
        with pytest.raises(ServiceError):
            contractors.declare_contractors(
                application=app, declarations={"builder": ("某公司", "")}, actor=outsider, at=NOW
            )
        assert client_for(outsider).get(f"/supervision/contractors/declare/{app.no}/").status_code == 404
    with time_machine.travel(NOW - dt.timedelta(days=1), tick=False):
        low = submitted(alice, kaili)
    with pytest.raises(ServiceError):
        contractors.declare_contractors(application=low, declarations={"builder": ("某公司", "")}, actor=alice, at=NOW)
    assert (
        client_for(alice)
        .post(
            f"/supervision/contractors/declare/{app.no}/",
            {"builder_name": "黔电建设", "builder_licence": "5-1-00001-2020"},
        )
        .status_code
        == 302
    )
    assert [d.name for d in contractors.declarations_of(app)] == ["黔电建设"]


def test_a_concentrated_builder_opens_an_item_for_review(alice, kaili, staffed, supervisor):
    contractors.import_csv(REGISTER, actor=None, at=NOW)
    apps = hv_apps(alice, kaili, 10)
    for i, app in enumerate(apps):
        name, licence = ("黔电建设", "5-1-00001-2020") if i < 8 else (f"其他施工 {i}", f"X-{i}")
        contractors.declare_contractors(application=app, declarations={"builder": (name, licence)}, actor=alice, at=NOW)
    flagged = [c for c in contractors.concentrations() if c.flagged]
    assert {(c.scope, c.applications, c.total, c.share) for c in flagged} == {
        ("manager", 8, 10, 0.8),
        ("county", 8, 10, 0.8),
    }
    scan(at=NOW)
    items = Rectification.objects.filter(source=Source.DESIGNATION)
    assert items.count() == 2 and all("黔电建设" in i.title for i in items)
    scan(at=NOW + dt.timedelta(days=1))
    assert Rectification.objects.filter(source=Source.DESIGNATION).count() == 2


def test_below_the_minimum_nothing_is_flagged(alice, kaili, staffed):
    for app in hv_apps(alice, kaili, 3):
        contractors.declare_contractors(
            application=app, declarations={"builder": ("黔电建设", "5-1-00001-2020")}, actor=alice, at=NOW
        )
    assert not any(c.flagged for c in contractors.concentrations())


def test_outsiders_are_refused(alice, supervisor, pm):
    for user in (alice, pm):
        assert client_for(user).get("/supervision/contractors/").status_code == 403
        assert bearer(user).get("/api/v1/supervision/contractors").status_code == 403
    assert client_for(None).get("/supervision/contractors/").status_code == 302
    cm = make_user("cm-2", "customer_manager", "522601")
    assert client_for(cm).post("/supervision/contractors/", {"kind": "one", "name": "x"}).status_code == 403
    with pytest.raises(ServiceError):
        contractors.contractor_save(
            name="x", licence_no="1", licence_class="承装", level="五级", valid_from=dt.date(2020, 1, 1),
            valid_to=dt.date(2030, 1, 1), actor=cm,
        )  # fmt: skip


def test_the_dashboard_counts_them_per_county(alice, kaili, staffed, supervisor):
    from bandian.supervision.dashboard import dashboard

    contractors.import_csv(REGISTER, actor=None, at=NOW)
    (app,) = hv_apps(alice, kaili, 1)
    contractors.declare_contractors(
        application=app, declarations={"builder": ("过期电力", "5-1-00002-2016")}, actor=alice, at=NOW
    )
    with time_machine.travel(NOW, tick=False):
        kaili_board = {t.key: t for t in dashboard(2026, county="522601").targets}
        huangping = {t.key: t for t in dashboard(2026, county="522622").targets}
    assert (kaili_board["contractors.unlicensed"].value, kaili_board["contractors.unlicensed"].status) == (
        1.0,
        "missed",
    )
    assert huangping["contractors.unlicensed"].value == 0.0
