import json

import pytest

from bandian.applications.compliance import compliance_report
from bandian.applications.importer import ingest_record
from tests.conftest import client_for
from tests.supervision.conftest import residential, sample

pytestmark = pytest.mark.django_db

PAGE = "/supervision/compliance/"
API = "/api/v1/supervision/compliance"


@pytest.fixture
def year_2026(db):
    ingest_record(sample())
    ingest_record(residential("ON-TIME", "2026-03-02T09:00:00", "2026-03-02T10:00:00", "2026-03-04T09:00:00"))
    ingest_record(residential("LATE", "2026-03-02T09:00:00", "2026-03-02T10:00:00", "2026-03-16T09:00:00"))


def test_the_supervisor_sees_each_class_against_its_limit(year_2026, supervisor):
    response = client_for(supervisor).get(PAGE, {"year": "2026"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "2026 年办电时限达标情况" in page
    residential_row = page[page.index('id="class-residential"') :]
    residential_row = residential_row[: residential_row.index("</tr>")]
    # Two residential applications: 2 and 10 working days against a limit of 5; one late.
    for figure in ("居民用户", "<td>5</td>", "<td>2</td>", "6.000", "10.000", "50%"):
        assert figure in residential_row
    assert "本年无接电申请" in page  # classes without applications say so


def test_the_worst_cases_come_first_and_link_to_the_application(year_2026, supervisor):
    page = client_for(supervisor).get(PAGE, {"year": "2026"}).content.decode()
    worst = page[page.index('id="worst"') :]
    # 200%, 40% and 35% of their limits.
    assert worst.index("LATE") < worst.index("ON-TIME") < worst.index("QDN-2026-000123")
    assert 'href="/applications/LATE/"' in worst
    assert "200%" in worst  # 10 working days of a limit of 5


def test_the_page_lists_classes_that_contradict_the_rules_and_the_approval_share(year_2026, supervisor):
    general = sample(no="G-1", customer_class="lv_general")  # qualifies for 三零
    general["events"].insert(2, {"at": "2026-03-02T17:00:00+08:00", "type": "stage_completed", "stage": "plan"})
    ingest_record(general)
    page = client_for(supervisor).get(PAGE, {"year": "2026"}).content.decode()
    listed = page[page.index('id="misclassified"') :]
    listed = listed[: listed.index("</table>")]
    assert 'href="/applications/G-1/"' in listed
    assert "低压非居民用户" in listed and "低压小微企业（三零）" in listed
    assert "QDN-2026-000123" not in listed  # consistent with the rules
    sanling = page[page.index('id="class-lv_sanling"') :]
    sanling = sanling[: sanling.index("</tr>")]
    assert 'class="approval-share ok">100%' in sanling  # its one approval took 2.292 of 5 days


def test_a_year_without_contradictions_says_so(year_2026, supervisor):
    page = client_for(supervisor).get(PAGE, {"year": "2026"}).content.decode()
    assert 'id="no-misclassified"' in page


def test_the_admin_may_see_the_page(year_2026, admin_user):
    assert client_for(admin_user).get(PAGE, {"year": "2026"}).status_code == 200


def test_without_a_year_the_page_shows_this_year(supervisor):
    response = client_for(supervisor).get(PAGE)
    assert response.status_code == 200
    assert "本年没有已接电的申请" in response.content.decode()


@pytest.mark.parametrize("year", ["20x6", "1999", "-1", "99999999999999999999"])
def test_a_bad_year_is_refused_with_a_message(supervisor, year):
    response = client_for(supervisor).get(PAGE, {"year": year})
    assert response.status_code == 400
    page = response.content.decode()
    assert "年份应为" in page
    assert f'value="{year}"' in page  # what was typed is kept


def test_anonymous_visitors_are_sent_to_sign_in():
    response = client_for(None).get(PAGE)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ["alice", "cm", "counter", "cm_elsewhere"])
def test_applicants_and_utility_staff_are_refused(request, who, year_2026):
    user = request.getfixturevalue(who)
    response = client_for(user).get(PAGE, {"year": "2026"})
    assert response.status_code == 403
    assert b"LATE" not in response.content


# The API.


def test_the_api_gives_supervisors_the_json_report(year_2026, supervisor):
    response = client_for(supervisor).get(API, {"year": 2026})
    assert response.status_code == 200
    assert json.loads(response.content) == json.loads(json.dumps(compliance_report(2026).as_dict()))
    line = response.json()["applications"][0]
    assert {"approval_limit_workdays", "approval_within_limit", "class_check"} <= set(line)


def test_the_api_refuses_anonymous_callers():
    response = client_for(None).get(API, {"year": 2026})
    assert response.status_code == 401


@pytest.mark.parametrize("who", ["alice", "cm", "counter"])
def test_the_api_refuses_other_roles(request, who, year_2026):
    response = client_for(request.getfixturevalue(who)).get(API, {"year": 2026})
    assert response.status_code == 403
    assert "detail" in response.json()


@pytest.mark.parametrize("year", ["abc", "1850"])
def test_the_api_answers_a_bad_year_with_422(supervisor, year):
    response = client_for(supervisor).get(API, {"year": year})
    assert response.status_code == 422


def test_the_page_is_computed_once_until_the_next_event(year_2026, supervisor, django_assert_max_num_queries):
    client = client_for(supervisor)
    client.get(PAGE, {"year": "2026"})
    # session, user, the latest event, the zero-investment applications charged: no report
    with django_assert_max_num_queries(7):
        assert "LATE" in client.get(PAGE, {"year": "2026"}).content.decode()
    ingest_record(residential("LATER", "2026-04-01T09:00:00", "2026-04-01T10:00:00", "2026-04-30T09:00:00"))
    page = client.get(PAGE, {"year": "2026"}).content.decode()
    assert "LATER" in page  # the new, even later application heads the worst cases
