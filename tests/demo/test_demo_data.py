"""`manage.py demo`: logins for every role, every outcome, linked restarts, the same every time."""

from __future__ import annotations

import io
import json
import pathlib
from collections import Counter
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Q
from django.test import Client, override_settings

from bandian.accounts.models import Role, User
from bandian.applications.contracts.signing import forget_signer
from bandian.applications.enums import Status
from bandian.applications.integrity import verify
from bandian.applications.models import Application, Event
from bandian.applications.services import application_clocks
from bandian.demo import applications as demo
from bandian.notify.models import Message
from bandian.permits.models import ApprovalCase, CaseLog, CaseStatus
from bandian.policy.classes import CustomerClass
from bandian.policy.loader import active_policy
from bandian.workdays.selectors import forget_calendar
from tests.demo.conftest import at_demo_now, signing_key_file
from tests.demo.figures import demo_figures

FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"
LOADED_MEDIA: list[str] = []  # where the module's demo wrote its files (contracts, case documents)

pytestmark = pytest.mark.django_db


def run_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", "--size", "small", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[str]:
    """The small demo, loaded once for this module and rolled back after it."""
    key = signing_key_file(tmp_path_factory.mktemp("signing"))
    LOADED_MEDIA[:] = [str(tmp_path_factory.mktemp("media"))]
    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=[FAST_HASHER],
            CONTRACT_SIGNING_P12=key,
            CONTRACT_SIGNING_P12_PASSWORD="",
            MEDIA_ROOT=LOADED_MEDIA[0],
        ),
        transaction.atomic(),
    ):
        forget_calendar()
        forget_signer()
        with at_demo_now():
            out = run_demo()
        yield out
        transaction.set_rollback(True)


def test_it_prints_a_login_for_every_role(loaded):
    assert "Demo data loaded" in loaded
    for login in demo.fixed_logins():
        assert login.username in loaded
    assert demo.PASSWORD in loaded
    roles = {login.role for login in demo.fixed_logins()}
    assert roles == {role.value for role in Role}


def test_every_demo_login_signs_in_with_the_demo_password(loaded):
    for login in demo.fixed_logins():
        assert Client().login(username=login.username, password=demo.PASSWORD), login.username


def test_every_county_has_two_managers_of_each_kind_and_a_counter_clerk(loaded):
    per_county = Counter(User.objects.filter(county__isnull=False).values_list("county_id", "role"))
    for county in active_policy().counties:
        assert per_county[(county, Role.CUSTOMER_MANAGER)] == 2
        assert per_county[(county, Role.PROJECT_MANAGER)] == 2
        assert per_county[(county, Role.COUNTER)] == 1
    roles = Counter(User.objects.values_list("role", flat=True))
    assert roles[Role.APPLICANT] == 1
    assert roles[Role.SUPERVISOR] == 1
    assert roles[Role.ADMIN] == 1
    assert User.objects.get(username=demo.ADMIN_USERNAME).is_superuser


def test_every_status_and_every_class_occurs(loaded):
    assert Application.objects.count() >= demo.SIZES["small"]
    statuses = set(Application.objects.values_list("status", flat=True))
    assert statuses == {s.value for s in Status} - {Status.DRAFT}
    classes = set(Application.objects.values_list("customer_class", flat=True))
    assert classes == {c.value for c in CustomerClass}
    years = {no[4:8] for no in Application.objects.values_list("no", flat=True)}
    assert years == {"2021", "2022", "2023", "2024", "2025", "2026"}


def test_open_applications_include_overdue_and_nearly_due_ones(loaded):
    shares = []
    for app in Application.objects.filter(status=Status.IN_PROGRESS):
        clocks = application_clocks(app, now=demo.DEMO_NOW)
        shares.append(clocks.limit_used_workdays / clocks.limit_workdays)
    assert any(s > 1 for s in shares)
    assert any(0.8 <= s < 1 for s in shares)
    assert any(s < 0.8 for s in shares)


def test_energised_applications_include_late_ones_and_paused_ones(loaded):
    late = paused = on_time = 0
    for app in Application.objects.filter(status=Status.ENERGISED):
        clocks = application_clocks(app, now=demo.DEMO_NOW)
        late += clocks.limit_used_workdays > clocks.limit_workdays
        on_time += clocks.limit_used_workdays <= clocks.limit_workdays
        paused += bool(clocks.pauses)
    assert late and paused and on_time > late
    reasons = set(Event.objects.filter(type="paused").values_list("reason", flat=True))
    assert reasons <= set(active_policy().pause_reasons)
    assert not Event.objects.filter(type="paused", note="").exists()


def test_restarts_are_linked_to_a_closed_first_application_of_the_same_person(loaded):
    restarts = Application.objects.filter(restart_of__isnull=False).select_related("restart_of")
    assert restarts.exists()
    for app in restarts:
        first = app.restart_of
        assert first.status in (Status.WITHDRAWN, Status.CANCELLED)
        assert (first.applicant_ref, first.address) == (app.applicant_ref, app.address)
        assert app.clock_started_at == first.submitted_at
        assert 0 < (app.submitted_at - first.closed_at).days <= active_policy().counting.restart_window_days


def test_the_demo_applicant_owns_applications_in_different_states(loaded):
    owned = Application.objects.filter(applicant__username=demo.APPLICANT_USERNAME)
    assert set(owned.values_list("status", flat=True)) >= {
        Status.ENERGISED,
        Status.IN_PROGRESS,
        Status.PAUSED,
        Status.WITHDRAWN,
    }
    assert set(owned.values_list("phone", flat=True)) == {demo.APPLICANT_USERNAME}


def test_some_high_voltage_applications_have_an_extended_investment_boundary(loaded):
    extended = Application.objects.filter(extended_boundary=True)
    assert extended.exists()
    assert set(extended.values_list("customer_class", flat=True)) <= {"hv_single", "hv_dual"}
    assert not extended.filter(extended_boundary_reason="").exists()


def test_counter_applications_record_the_clerk_and_managers_are_of_the_county(loaded):
    counter_apps = Application.objects.filter(channel="counter")
    assert counter_apps.exists()
    for app in counter_apps.select_related("entered_by"):
        assert app.entered_by.role == Role.COUNTER
        assert app.entered_by.county_id == app.county_id
    for app in Application.objects.select_related("customer_manager", "project_manager"):
        assert app.customer_manager.county_id == app.county_id
        assert app.project_manager.county_id == app.county_id


def test_every_chain_verifies(loaded):
    report = verify()
    assert report.problems == []
    assert report.applications == Application.objects.count()


def test_the_demo_cases_look_as_the_pages_leave_them(loaded):
    """Opened and decided through the permits' services: every approved case has its combined
    PDF, every log row lies in the past of the demo's "now", and the permits sent no notices of
    history (new cases, decisions, completion reports)."""
    cases = ApprovalCase.objects.all()
    assert cases.exists()
    decided = cases.filter(status__in=[CaseStatus.APPROVED, CaseStatus.RESTORING, CaseStatus.CLOSED])
    assert decided.exists() and not decided.filter(document="").exists()
    assert not CaseLog.objects.filter(at__gt=demo.DEMO_NOW).exists()
    assert not Message.objects.filter(Q(subject__contains="外线工程") | Q(subject="审批部门要求补正材料")).exists()
    departments = {u.username for u in User.objects.filter(role=Role.DEPARTMENT)}
    assert {"dept-transport", "dept-housing", "dept-resources", "dept-service", "kaili-gov"} <= departments


def test_the_small_demo_gives_the_figures_recorded_before_the_demo_moved(loaded):
    """expected_small.json was written by tests/demo/figures.py from the small demo as the code
    stood before the demo moved into its own app (issue 10.2); the load must still give exactly
    these rows, states, compliance report of 2025, reliability of 2024 and approval cases."""
    expected = json.loads((pathlib.Path(__file__).parent / "expected_small.json").read_text(encoding="utf-8"))
    with at_demo_now():
        actual = json.loads(json.dumps(demo_figures()))
    for key in expected:
        assert actual[key] == expected[key], key
    assert actual.keys() == expected.keys()


def test_the_supervision_loop_is_there_at_every_state(loaded):
    from bandian.supervision import annual, ledger
    from bandian.supervision.models import Complaint, Rectification
    from bandian.supervision.rectifications import verify as verify_logs

    assert "Demo supervision loaded" in loaded
    states = set(Rectification.objects.values_list("status", flat=True))
    assert states == {"open", "rectifying", "submitted", "verified"}
    actions = set(Rectification.objects.values_list("log__action", flat=True))
    assert {"sent_back", "reopened", "verified"} <= actions
    assert verify_logs() == []
    today = demo.DEMO_NOW.date()
    assert annual.plan_line(2026, today=today).status == "submitted"
    assert annual.plan_line(2027, today=today).status == "due"
    lines = ledger.ledger(2026, now=demo.DEMO_NOW)
    assert len(lines) == 10 and any(line.stale for line in lines) and all(line.review for line in lines)
    assert Complaint.objects.filter(application__isnull=False).exists()
    assert Complaint.objects.filter(application__isnull=True, outage__isnull=True).exists()
    assert {"received", "accepted", "answered", "rejected"} <= set(Complaint.objects.values_list("state", flat=True))


def test_every_energised_low_voltage_application_has_its_sealed_contract(loaded):
    from bandian.applications.contracts.models import Contract, ContractState
    from bandian.applications.contracts.verify import verify_contract

    low = [c for c, rule in active_policy().classes.items() if rule.voltage == "low"]
    energised = Application.objects.filter(status=Status.ENERGISED, customer_class__in=low)
    assert energised.exists()
    assert not energised.exclude(contract__state=ContractState.SEALED).exists()
    sample = Contract.objects.filter(application__in=energised).order_by("application__no").first()
    assert sample is not None
    with override_settings(MEDIA_ROOT=LOADED_MEDIA[0]):
        data = sample.sealed_pdf.read()
    result = verify_contract(data)
    # Intact and recorded; not trusted here: each test names its own signing key.
    assert result.signed and result.intact and result.matches_record and result.application_no == sample.application.no
    signed = Event.objects.filter(application=sample.application, type="contract_signed").get()
    assert signed.data["sha256"] == sample.pdf_sha256
    assert signed.occurred_at < sample.application.energised_at


def test_open_applications_are_at_every_stage_of_signing(loaded):
    from bandian.applications.contracts.models import Contract

    open_ = Application.objects.filter(status__in=Status.open_states())
    states = set(Contract.objects.filter(application__in=open_).values_list("state", flat=True))
    assert states == {"drawn", "signed", "sealed"}
    assert open_.filter(contract__isnull=True).exists()  # not drawn yet (high voltage before the plan step)
    owned = Contract.objects.filter(application__in=open_, application__applicant__username=demo.APPLICANT_USERNAME)
    assert owned.filter(state="drawn").exists()  # left for the demo applicant to sign
