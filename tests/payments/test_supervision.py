"""What supervisors see of fees: `fees_charged` in the compliance report (JSON, CSV, API, page),
and every zero-investment application that was charged."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from bandian.applications.compliance import compliance_report
from bandian.applications.payments import services
from tests.api.conftest import bearer
from tests.conftest import client_for, submitted
from tests.payments.conftest import energise, issue, pay

API = "/api/v1/supervision/zero-investment-charges"


def _year() -> int:
    return timezone.localtime().year


def test_the_report_carries_what_was_charged_and_kept(dual, residential, alice, kaili, cm, pm):
    refunded_app = submitted(alice, kaili, "hv_dual", capacity_kw=Decimal("400"), voltage_kv=Decimal("10"))
    pay(issue(dual, cm, quantity="800"))
    issue(dual, cm, code="high_reliability_overhead")  # issued, never paid: not charged
    services.payment_order_refund(order=pay(issue(refunded_app, cm, quantity="400")), actor=cm, reason="改方案")
    for app in (dual, residential, refunded_app):
        energise(app, pm)
    rows = {row.no: row for row in compliance_report(_year()).applications}
    assert rows[dual.no].fees_charged == 168000.0
    assert rows[refunded_app.no].fees_charged == 0.0
    assert rows[residential.no].fees_charged == 0.0
    assert rows[dual.no].as_dict()["fees_charged"] == 168000.0


def test_the_api_schema_and_the_csv_carry_the_field(dual, cm, pm, supervisor):
    pay(issue(dual, cm, quantity="10"))
    energise(dual, pm)
    body = bearer(supervisor).get(f"/api/v1/supervision/compliance?year={_year()}").json()
    assert body["applications"][0]["fees_charged"] == 2100.0
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("compliance", year=_year(), format="csv", stdout=out)
    header, line = out.getvalue().splitlines()[:2]
    assert header.endswith(",fees_charged") and line.endswith(",2100.0")


def _wrongly_charged(alice, kaili, cm):
    app = submitted(alice, kaili, "lv_general", capacity_kw=Decimal("50"), voltage_kv=Decimal("0.38"))
    assert app.zero_investment
    pay(issue(app, cm, code="service_misc", quantity="1"))
    return app


def test_supervisors_see_every_zero_investment_application_charged(boundary_policy, alice, kaili, cm, pm, supervisor):
    wrong = _wrongly_charged(alice, kaili, cm)
    refunded = _wrongly_charged(alice, kaili, cm)
    order = refunded.payment_orders.get()
    services.payment_order_refund(order=order, actor=cm, reason="零投资不应收费")
    rows = bearer(supervisor).get(API).json()
    assert rows == [
        {
            "no": wrong.no,
            "customer_class": "lv_sanling",
            "county": "522601",
            "status": "in_progress",
            "zero_investment": True,
            "fees_charged": "50.00",
        }
    ]
    page = client_for(supervisor).get("/supervision/compliance/").content.decode()
    assert (
        'id="zero-investment-charged"' in page
        and wrong.no in page
        and refunded.no not in page.split('id="zero-investment-charged"')[1].split("</table>")[0]
    )


def test_none_charged_says_so(db, supervisor):
    page = client_for(supervisor).get("/supervision/compliance/").content.decode()
    assert 'id="no-zero-investment-charged"' in page
    assert bearer(supervisor).get(API).json() == []


def test_outsiders_do_not_see_the_charges(boundary_policy, alice, kaili, cm, pm, cm_elsewhere):
    _wrongly_charged(alice, kaili, cm)
    from django.test import Client

    assert Client().get(API).status_code == 401
    for user in (alice, cm, pm, cm_elsewhere):
        assert bearer(user).get(API).status_code == 403
    assert client_for(cm).get("/supervision/compliance/").status_code == 403
