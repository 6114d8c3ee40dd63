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
from bandian.applications.importer import ingest_record
from bandian.policy.loader import active_policy
from bandian.supervision.compliance import FIELDS, compliance_report, p90_nearest_rank
from bandian.workdays.calendar import SHANGHAI
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
        "steps": 2,
        "steps_limit": 2,
        "documents": 2,
        "documents_limit": 2,
        "visits": 0,
        "visits_limit": 0,
        "zero_investment": True,
        "restart_of": None,
    }
    assert report["by_class"]["lv_sanling"] == {
        "count": 1,
        "mean_workdays": 5.26,
        "p90_workdays": 5.26,
        "max_workdays": 5.26,
        "within_limit_share": 1.0,
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
    assert lines[1] == "QDN-2026-000123,lv_sanling,5.26,2.969,2.292,15,full_process,true,2,2,2,2,0,0,true,"
    assert len(lines) == 2


def test_the_command_prints_the_classes_as_csv():
    ingest_record(sample())
    lines = run("--year", "2026", "--format", "csv", "--by-class").splitlines()
    assert lines[0] == "customer_class,count,mean_workdays,p90_workdays,max_workdays,within_limit_share"
    assert "lv_sanling,1,5.26,5.26,5.26,1.0" in lines
    assert "residential,0,,,," in lines


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
