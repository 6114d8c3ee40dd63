import datetime as dt
import json
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from bandian.applications import services
from bandian.applications.clocks import TimelineEvent, compute_clocks
from bandian.applications.compliance import FIELDS, compliance_report, p90_nearest_rank
from bandian.applications.importer import ingest_record
from bandian.core.time import SHANGHAI
from bandian.policy.loader import active_policy
from bandian.workdays.selectors import build_calendar
from tests.conftest import submitted
from tests.supervision.conftest import residential, sample, timeline

pytestmark = pytest.mark.django_db


def test_the_sample_record_reports_every_field_of_the_sample():
    ingest_record(sample())
    report = compliance_report(2026).as_dict()
    assert report["year"] == 2026
    [line] = report["applications"]
    assert list(line) == list(FIELDS)
    # Mon 2 March 09:15 to Tue 10 March 15:30 is 150.25 h of working time; the pause takes 24 h
    # (full process 126.25 h), the departments' approval 55 h more (utility 71.25 h).
    assert line == {
        "no": "QDN-2026-000123",
        "customer_class": "lv_sanling",
        "full_process_workdays": 5.26,
        "utility_workdays": 2.969,
        "approval_workdays": 2.292,
        "limit_workdays": 15,
        "limit_clock": "full_process",
        "within_limit": True,
        "approval_limit_workdays": 5,
        "approval_within_limit": True,
        "steps": 2,
        "steps_limit": 2,
        "documents": 2,
        "documents_limit": 2,
        "visits": 0,
        "visits_limit": 0,
        "zero_investment": True,
        "class_check": None,
        "restart_of": None,
        "fees_charged": 0.0,
    }
    assert report["by_class"]["lv_sanling"] == {
        "count": 1,
        "mean_workdays": 5.26,
        "p90_workdays": 5.26,
        "max_workdays": 5.26,
        "within_limit_share": 1.0,
        "approval_within_limit_share": 1.0,
        "limits_workdays": [15],
    }
    assert report["by_class"]["residential"]["count"] == 0
    assert report["by_class"]["residential"]["mean_workdays"] is None


def test_an_application_belongs_to_the_year_it_was_energised_in_shanghai():
    # 2026-01-01 07:00 in Shanghai is still 2025 in UTC.
    ingest_record(residential("NEW-YEAR", "2025-12-30T09:00:00", "2025-12-30T10:00:00", "2026-01-01T07:00:00"))
    ingest_record(residential("OLD-YEAR", "2025-12-29T09:00:00", "2025-12-29T10:00:00", "2025-12-31T23:30:00"))
    assert [a.no for a in compliance_report(2026).applications] == ["NEW-YEAR"]
    assert [a.no for a in compliance_report(2025).applications] == ["OLD-YEAR"]


def test_applications_not_energised_are_left_out():
    ingest_record(residential("RUNNING", "2026-03-02T09:00:00", "2026-03-02T10:00:00", None))
    ingest_record(
        sample(
            no="GONE",
            events=timeline(("2026-03-02T09:00:00", "submitted"), ("2026-03-03T09:00:00", "withdrawn")),
        )
    )
    assert compliance_report(2026).applications == []


def test_native_and_imported_applications_are_reported_alike(alice, kaili, cm, pm):
    with time_machine.travel(dt.datetime(2026, 9, 30, 10, tzinfo=SHANGHAI), tick=False):
        native = submitted(alice, kaili)
    with time_machine.travel(dt.datetime(2026, 9, 30, 16, tzinfo=SHANGHAI), tick=False):
        services.stage_complete(application=native, stage="apply", actor=cm)
    with time_machine.travel(dt.datetime(2026, 10, 9, 15, tzinfo=SHANGHAI), tick=False):
        services.visit_record(application=native, actor=cm, note="came to sign")
        services.stage_complete(application=native, stage="connect", actor=pm)
    ingest_record(residential("IMPORTED", "2026-09-30T10:00:00", "2026-09-30T16:00:00", "2026-10-09T15:00:00"))
    lines = {a.no: a.as_dict() for a in compliance_report(2026).applications}
    native_line, imported_line = lines[native.no], lines["IMPORTED"]
    # 53 h over National Day (requirements §4): 2.208 working days, within the 5 of residential.
    assert native_line["full_process_workdays"] == imported_line["full_process_workdays"] == 2.208
    assert native_line["documents"] == imported_line["documents"] == 2  # uploaded / listed
    assert native_line["visits"] == 1 and imported_line["visits"] == 0
    assert native_line["visits_limit"] is None  # the plan sets no visit limit for residents


def test_a_late_application_is_outside_the_limit_and_counts_against_the_share():
    ingest_record(residential("ON-TIME", "2026-03-02T09:00:00", "2026-03-02T10:00:00", "2026-03-04T09:00:00"))
    ingest_record(residential("LATE", "2026-03-02T09:00:00", "2026-03-02T10:00:00", "2026-03-16T09:00:00"))
    report = compliance_report(2026)
    lines = {a.no: a for a in report.applications}
    assert lines["ON-TIME"].within_limit and not lines["LATE"].within_limit
    assert lines["LATE"].full_process_workdays == 10.0
    summary = report.by_class["residential"].as_dict()
    assert summary == {
        "count": 2,
        "mean_workdays": 6.0,
        "p90_workdays": 10.0,
        "max_workdays": 10.0,
        "within_limit_share": 0.5,
        "approval_within_limit_share": None,  # neither had an approval
        "limits_workdays": [5],
    }
    assert [a.no for a in report.worst()] == ["LATE", "ON-TIME"]


def test_a_restart_reports_the_first_application_and_its_clock_runs_from_there():
    ingest_record(
        sample(no="FIRST", events=timeline(("2026-03-02T09:00:00", "submitted"), ("2026-03-03T09:00:00", "withdrawn")))
    )
    ingest_record(
        sample(
            no="AGAIN",
            restart_of="FIRST",
            events=timeline(
                ("2026-03-09T09:00:00", "submitted"),
                ("2026-03-09T10:00:00", "stage_completed", "apply"),
                ("2026-03-10T09:00:00", "stage_completed", "connect"),
            ),
        )
    )
    [line] = compliance_report(2026).applications
    assert line.restart_of == "FIRST"
    assert line.full_process_workdays == 6.0


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([5.0], 5.0),
        ([float(v) for v in range(1, 11)], 9.0),
        ([float(v) for v in range(1, 12)], 10.0),
        ([3.0, 1.0], 3.0),
    ],
)
def test_p90_is_the_nearest_rank(values, expected):
    assert p90_nearest_rank(values) == expected


HOURS = st.integers(min_value=1, max_value=72)


@settings(max_examples=60, deadline=None)
@given(
    gaps=st.lists(HOURS, min_size=6, max_size=6),
    pause=st.booleans(),
    approval=st.booleans(),
    visits=st.integers(min_value=0, max_value=2),
)
def test_the_report_path_of_the_clocks_gives_the_same_clocks(gaps, pause, approval, visits):
    """compute_clocks(deadlines=False), which the report uses, agrees with the full computation."""
    policy = active_policy()
    rule = policy.classes["hv_single"]
    cal = build_calendar()
    at = dt.datetime(2026, 3, 2, 9, tzinfo=SHANGHAI)
    kinds = [("submitted", "")]
    kinds += [("approval_started", ""), ("approval_completed", "")] if approval else []
    kinds += [("stage_completed", "apply")]
    kinds += [("paused", ""), ("resumed", "")] if pause else []
    kinds += [("visit", "")] * visits + [("stage_completed", "plan"), ("stage_completed", "connect")]
    events = []
    for i, (kind, stage) in enumerate(kinds):
        at += dt.timedelta(hours=gaps[i % len(gaps)])
        events.append(TimelineEvent(kind, at, stage, "customer_works" if kind == "paused" else ""))
    kw = {
        "cal": cal,
        "steps": rule.steps,
        "step_limits": policy.limit_for("hv_single", dt.date(2026, 3, 2)).steps,
        "limit_clock": rule.clock,
        "now": at,
    }
    full, light = compute_clocks(events, **kw), compute_clocks(events, deadlines=False, **kw)
    assert (light.full_process_workdays, light.utility_workdays, light.approval_workdays) == (
        full.full_process_workdays,
        full.utility_workdays,
        full.approval_workdays,
    )
    assert (light.status, light.limit_used_workdays, light.limit_workdays, light.visits, light.stages_completed) == (
        full.status,
        full.limit_used_workdays,
        full.limit_workdays,
        full.visits,
        full.stages_completed,
    )


# The command.


def run(*args: str) -> str:
    out = StringIO()
    call_command("compliance", *args, stdout=out)
    return out.getvalue()


def test_the_command_prints_the_json_report():
    ingest_record(sample())
    assert json.loads(run("--year", "2026")) == compliance_report(2026).as_dict()


def test_the_command_prints_one_csv_row_per_application():
    ingest_record(sample())
    lines = run("--year", "2026", "--format", "csv").splitlines()
    assert lines[0] == ",".join(FIELDS)
    assert lines[1] == "QDN-2026-000123,lv_sanling,5.26,2.969,2.292,15,full_process,true,5,true,2,2,2,2,0,0,true,,,0.0"
    assert len(lines) == 2


def test_the_command_prints_the_classes_as_csv():
    ingest_record(sample())
    lines = run("--year", "2026", "--format", "csv", "--by-class").splitlines()
    assert lines[0] == (
        "customer_class,count,mean_workdays,p90_workdays,max_workdays,within_limit_share,approval_within_limit_share"
    )
    assert "lv_sanling,1,5.26,5.26,5.26,1.0,1.0" in lines
    assert "residential,0,,,,," in lines


def test_the_command_refuses_a_year_it_cannot_cover():
    with pytest.raises(CommandError, match="--year 1850"):
        run("--year", "1850")


def test_a_back_filled_field_action_is_counted_in_time_order(alice, kaili, cm, pm):
    def at(day: int, hour: int) -> dt.datetime:
        return dt.datetime(2026, 3, day, hour, tzinfo=SHANGHAI)

    with time_machine.travel(at(2, 9), tick=False):
        app = submitted(alice, kaili)
    with time_machine.travel(at(3, 9), tick=False):
        services.visit_record(application=app, actor=cm, note="signed at the counter")
    with time_machine.travel(at(4, 9), tick=False):  # recorded today, done on the 2nd in the field
        services.stage_complete(application=app, stage="apply", actor=cm, device_at=at(2, 15), device_id="t-1")
    with time_machine.travel(at(5, 9), tick=False):
        app = services.stage_complete(application=app, stage="connect", actor=pm)
    [line] = compliance_report(2026).applications
    assert line.full_process_workdays == round(services.application_clocks(app).full_process_workdays, 3) == 3.0
    assert (line.steps, line.visits) == (2, 1)


# The plan's approval limit (三): 5 working days for low voltage, 10 up to 20 kV, on the approval clock.


def hv_with_approval(no: str, completed: str) -> dict:
    return sample(
        no=no,
        customer_class="hv_single",
        capacity_kw=800,
        voltage_kv=10,
        documents=["business_licence", "property_proof", "load_list"],
        events=timeline(
            ("2026-03-02T09:00:00", "submitted"),
            ("2026-03-03T09:00:00", "stage_completed", "apply"),
            ("2026-03-03T10:00:00", "approval_started"),
            (completed, "approval_completed"),
            ("2026-03-20T09:00:00", "stage_completed", "plan"),
            ("2026-03-23T09:00:00", "stage_completed", "connect"),
        ),
    )


def test_an_hv_single_record_with_12_working_days_of_approval_is_outside_the_approval_limit():
    # 2026-03-03 10:00 + 12 working days = 2026-03-19 10:00. The utility's own time (15 working
    # days from submission to energisation, minus the 12 of the approval) is within its 22.
    ingest_record(hv_with_approval("HV-12", "2026-03-19T10:00:00"))
    ingest_record(hv_with_approval("HV-10", "2026-03-17T10:00:00"))  # exactly 10: within
    ingest_record(residential("R-1", "2026-03-02T09:00:00", "2026-03-02T10:00:00", "2026-03-04T09:00:00"))
    report = compliance_report(2026)
    lines = {a.no: a for a in report.applications}
    late = lines["HV-12"]
    assert (late.approval_workdays, late.approval_limit_workdays, late.approval_within_limit) == (12.0, 10, False)
    assert (late.utility_workdays, late.within_limit) == (3.0, True)  # the class's own limit is met
    assert (lines["HV-10"].approval_workdays, lines["HV-10"].approval_within_limit) == (10.0, True)
    # No approval, no verdict on it; the low-voltage limit is 5.
    assert (lines["R-1"].approval_limit_workdays, lines["R-1"].approval_within_limit) == (5, None)
    assert report.by_class["hv_single"].as_dict()["approval_within_limit_share"] == 0.5
    assert report.by_class["residential"].as_dict()["approval_within_limit_share"] is None
    line = next(a for a in report.as_dict()["applications"] if a["no"] == "HV-12")
    assert (line["approval_limit_workdays"], line["approval_within_limit"]) == (10, False)
    csv_lines = run("--year", "2026", "--format", "csv").splitlines()
    header = csv_lines[0].split(",")
    row = dict(zip(header, next(r for r in csv_lines if r.startswith("HV-12,")).split(","), strict=True))
    assert (row["approval_limit_workdays"], row["approval_within_limit"]) == ("10", "false")
    assert next(r for r in csv_lines if r.startswith("R-1,")).split(",")[header.index("approval_within_limit")] == ""


# Classification against the zero-investment rules (三零).


def test_a_class_contradicting_the_zero_investment_rules_is_marked_and_keeps_the_utilitys_class():
    general = sample(no="G-1", customer_class="lv_general")  # 80 kW in Kaili's urban area: 三零
    general["events"].insert(2, {"at": "2026-03-02T17:00:00+08:00", "type": "stage_completed", "stage": "plan"})
    ingest_record(general)
    ingest_record(sample(no="S-1", capacity_kw=200))  # above 160 kW: not 三零
    ingest_record(sample(no="S-OK"))
    lines = {a["no"]: a for a in compliance_report(2026).as_dict()["applications"]}
    assert (lines["G-1"]["customer_class"], lines["G-1"]["zero_investment"]) == ("lv_general", False)
    assert lines["G-1"]["class_check"] == "expected lv_sanling"
    assert lines["G-1"]["limit_workdays"] == 6  # judged by the utility's class
    assert (lines["S-1"]["class_check"], lines["S-1"]["zero_investment"]) == ("expected lv_general", True)
    assert lines["S-OK"]["class_check"] is None
