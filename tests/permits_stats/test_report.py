"""`manage.py approvals` and the supervisors' page /supervision/approvals/ over the same items."""

from __future__ import annotations

import csv
import io
import json

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client

from bandian.accounts.models import Department, Role
from bandian.permits import services
from bandian.permits.models import ApprovalCase, PermitItem
from bandian.permits.stats import ItemRow
from tests.conftest import client_for, make_user, submitted
from tests.permits_stats.conftest import COUNTY, HOUSING, NOW, RESOURCES, ROWS, TOTAL, TRANSPORT

URL = "/supervision/approvals/"


def _store(rows: list[ItemRow], app) -> None:
    """The rows as cases of one application, one case per item (written as the services would)."""
    for r in rows:
        case = ApprovalCase.objects.create(
            no=r.case_no,
            application=app,
            opened_by=app.customer_manager,
            policy_name="test",
            route="10kV 线路",
            route_length_m=800,
            voltage_kv=10,
            path="parallel" if r.restoration_due_at is None else "commitment",
            status=r.case_status,
            opened_at=r.opened_at,
            limit_workdays=r.limit_workdays,
            restoration_due_at=r.restoration_due_at,
        )
        PermitItem.objects.create(
            case=case,
            item_type=r.item_type,
            department=Department.objects.get(code=r.department),
            status=r.status,
            due_at=r.due_at,
            decided_at=r.decided_at,
            restoration_confirmed_at=r.restoration_confirmed_at,
        )


@pytest.fixture
def items(db, alice, kaili, cm, pm):
    services.departments_sync()
    app = submitted(alice, kaili, "hv_single")
    _store(ROWS, app)
    return app


@pytest.fixture
def at_now():
    with time_machine.travel(NOW, tick=False):
        yield


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("approvals", *args, stdout=out)
    return out.getvalue()


def _named(figures: dict) -> dict:
    return {k: v for k, v in figures.items() if k != "name"}


def test_the_json_report_has_the_hand_computed_figures(items, at_now):
    report = json.loads(_run("--year", "2026", "--format", "json"))
    assert report["year"] == 2026
    assert report["total"] == TOTAL
    departments = report["by_department"]
    assert list(departments)[:4] == ["housing", "natural_resources", "transport", "government_services"]
    assert _named(departments["housing"]) == HOUSING
    assert _named(departments["transport"]) == TRANSPORT
    assert _named(departments["natural_resources"]) == RESOURCES
    assert _named(departments["county-522601"]) == COUNTY
    assert departments["housing"]["name"] == "州住房城乡建设局"
    assert departments["county-522601"]["name"] == "凯里市人民政府"
    assert _named(report["by_item_type"]["green_space"]) == HOUSING
    assert report["by_item_type"]["green_space"]["name"] == "占用城市绿地"


def test_the_csv_report_has_one_row_per_scope(items, at_now):
    rows = list(csv.DictReader(io.StringIO(_run("--year", "2026", "--format", "csv"))))
    assert [(r["scope"], r["key"]) for r in rows if r["scope"] == "department"] == [
        ("department", "housing"),
        ("department", "natural_resources"),
        ("department", "transport"),
        ("department", "government_services"),
        ("department", "county-522601"),
    ]
    housing = rows[0]
    assert housing["mean_workdays"] == "2.944" and housing["within_limit_share"] == "0.6667"
    assert rows[3]["mean_workdays"] == ""  # no decided item: empty, not 0
    total = rows[-1]
    assert total["scope"] == "total" and total["count"] == "8" and total["restorations_overdue"] == "1"
    assert len(rows) == 5 + 5 + 1


def test_a_year_out_of_range_is_refused(db):
    with pytest.raises(CommandError, match="--year 1900"):
        _run("--year", "1900")


# The page.


@pytest.mark.parametrize("who", ["supervisor", "admin_user"])
def test_supervisors_and_admins_see_the_figures_and_the_overdue_lists(items, at_now, who, request):
    response = client_for(request.getfixturevalue(who)).get(URL, {"year": "2026"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="by-department-housing"' in html and "2.944" in html and "67%" in html
    assert 'id="by-item-type-green_space"' in html
    overdue = html.split('id="overdue-items"')[1].split("</table>")[0]
    assert "QDN-2026-000004-W01" in overdue and "2026-11-27 09:00" in overdue and "州交通运输局" in overdue
    restorations = html.split('id="overdue-restorations"')[1].split("</table>")[0]
    assert "QDN-2026-000006-W01" in restorations and "2026-06-15 10:00" in restorations
    assert "QDN-2026-000007-W01" not in restorations


def test_anonymous_visitors_are_sent_to_sign_in(db):
    response = Client().get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    "role", [Role.APPLICANT, Role.CUSTOMER_MANAGER, Role.COUNTER, Role.DEPARTMENT, Role.GRID_OPERATOR]
)
def test_other_roles_are_refused(db, role):
    user = make_user(f"user-{role}", role, "522601" if role in (Role.CUSTOMER_MANAGER, Role.COUNTER) else None)
    if role == Role.DEPARTMENT:
        services.departments_sync()
        user.department = Department.objects.get(code="housing")
        user.save()
    assert client_for(user).get(URL).status_code == 403


def test_a_bad_year_is_a_clear_error(supervisor):
    response = client_for(supervisor).get(URL, {"year": "20x6"})
    assert response.status_code == 400
    assert "年份应为" in response.content.decode()


def test_the_compliance_page_links_here(supervisor):
    html = client_for(supervisor).get("/supervision/compliance/", {"year": "2026"}).content.decode()
    assert 'id="approvals-link"' in html and f"{URL}?year=2026" in html


def test_the_page_takes_a_fixed_number_of_queries(
    items, at_now, supervisor, django_assert_max_num_queries, alice, kaili
):
    client = client_for(supervisor)
    client.get(URL, {"year": "2026"})  # warm the calendar and policy caches
    with django_assert_max_num_queries(12) as few:
        client.get(URL, {"year": "2026"})
    queries = len(few.captured_queries)  # read now: the next request resets the query log
    _store([ItemRow(**{**r.__dict__, "item_id": 0, "case_no": r.case_no + "X"}) for r in ROWS], submitted(alice, kaili))
    with django_assert_max_num_queries(queries):
        response = client.get(URL, {"year": "2026"})
    overdue = response.content.decode().split('id="overdue-items"')[1].split("</table>")[0]
    assert overdue.count("<tr class=") == 2  # both overdue items listed
