"""The report's fast path (row_clocks over epoch microseconds, prefix sums on the calendar) gives
the figures of compute_clocks, for any timeline: pauses, approvals, restarts, open and closed
applications, events before submission and after the end, holidays and midnights."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from bandian.applications import services
from bandian.applications.clocks import TimelineEvent, compute_clocks, row_clocks
from bandian.applications.compliance import compliance_report
from bandian.applications.enums import INTERCHANGE_TYPES
from bandian.applications.importer import ingest_record
from bandian.applications.models import Application
from bandian.core.time import SHANGHAI
from bandian.policy.loader import active_policy
from bandian.workdays.calendar import DAY_US, CalendarYearMissing, WorkingTimeline
from bandian.workdays.selectors import build_calendar
from tests.conftest import submitted
from tests.supervision.conftest import residential, sample, timeline

pytestmark = pytest.mark.django_db

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
KINDS = [
    "submitted",
    "stage_completed",
    "paused",
    "resumed",
    "approval_started",
    "approval_completed",
    "visit",
    "withdrawn",
    "cancelled",
]
# 2026-09-28 (Mon) to 2026-10-12: National Day (Oct 1-7 off, Oct 10 a working Saturday).
BASE = dt.datetime(2026, 9, 28, 0, 0, tzinfo=SHANGHAI)


def us(t: dt.datetime) -> int:
    return (t - EPOCH) // dt.timedelta(microseconds=1)


@st.composite
def timelines(draw):
    steps = draw(st.sampled_from([("apply", "connect"), ("apply", "plan", "connect")]))
    n = draw(st.integers(min_value=1, max_value=14))
    at = BASE + dt.timedelta(hours=draw(st.integers(0, 48)))
    events = []
    for _ in range(n):
        # Whole hours (midnights included), or odd seconds and microseconds.
        gap = draw(
            st.one_of(
                st.integers(0, 72).map(lambda h: dt.timedelta(hours=h)),
                st.integers(0, 3 * 86400).map(lambda s: dt.timedelta(seconds=s)),
                st.integers(0, 10**6).map(lambda u: dt.timedelta(microseconds=u)),
            )
        )
        at += gap
        kind = draw(st.sampled_from(KINDS))
        stage = draw(st.sampled_from([*steps, "other"])) if kind == "stage_completed" else ""
        events.append((kind, at, stage))
    if draw(st.booleans()):
        events.insert(0, ("submitted", events[0][1], ""))
    restart = draw(st.one_of(st.none(), st.integers(1, 20 * 24).map(lambda h: dt.timedelta(hours=h))))
    return steps, events, restart


@settings(max_examples=150, deadline=None)
@given(timelines(), st.sampled_from(["full_process", "utility"]))
def test_row_clocks_agree_with_compute_clocks(case, limit_clock):
    steps, events, restart = case
    cal = build_calendar()
    first_submitted = next((at for kind, at, _s in events if kind == "submitted"), None)
    clock_start = first_submitted - restart if (restart and first_submitted) else None
    reference = compute_clocks(
        [TimelineEvent(kind, at, stage) for kind, at, stage in events],
        cal=cal,
        steps=steps,
        step_limits=dict.fromkeys(steps, 1),
        limit_clock=limit_clock,
        now=events[-1][1],
        clock_start=clock_start,
        deadlines=False,
    )
    fast = row_clocks(
        [(kind, us(at), stage) for kind, at, stage in events],
        timeline=WorkingTimeline(cal),
        steps=steps,
        clock_start_us=None if clock_start is None else us(clock_start),
    )
    for mine, theirs in (
        (fast.full_process_us, reference.full_process_workdays),
        (fast.utility_us, reference.utility_workdays),
        (fast.approval_us, reference.approval_workdays),
    ):
        assert abs(mine / DAY_US - theirs) < 1e-9
        assert round(mine / DAY_US, 3) == round(theirs, 3)
    assert (fast.status, fast.stages_completed, fast.visits, fast.approvals) == (
        reference.status,
        reference.stages_completed,
        reference.visits,
        reference.approvals,
    )


@settings(max_examples=80, deadline=None)
@given(
    st.datetimes(min_value=dt.datetime(2004, 1, 1), max_value=dt.datetime(2026, 12, 31, 23, 59)),
    st.integers(0, 40 * 86400 * 10**6),
)
def test_the_working_timeline_measures_what_the_calendar_measures(start, length_us):
    cal = build_calendar()
    s = start.replace(tzinfo=SHANGHAI)
    e = s + dt.timedelta(microseconds=length_us)
    try:
        expected = cal.working_seconds(s, e)
    except CalendarYearMissing as exc:
        with pytest.raises(CalendarYearMissing) as caught:
            WorkingTimeline(cal).at(us(e))
        assert caught.value.year == exc.year
        return
    line = WorkingTimeline(cal)
    assert abs((line.at(us(e)) - line.at(us(s))) / 1e6 - expected) < 1e-6


def test_a_calendar_with_a_gap_cannot_be_served_by_a_working_timeline():
    cal = build_calendar()
    gapped = type(cal)(years=cal.years - {2020}, holidays=cal.holidays, makeup_days=cal.makeup_days)
    assert WorkingTimeline.usable(cal)
    assert not WorkingTimeline.usable(gapped)


# The whole report against compute_clocks, application by application, on a varied data set.


def test_the_report_gives_each_application_the_figures_of_compute_clocks(alice, kaili, cm, pm):
    ingest_record(sample())  # pause and approval
    ingest_record(residential("R-LATE", "2026-03-02T09:00:00", "2026-03-02T10:00:00", "2026-03-20T09:00:00.123456"))
    ingest_record(residential("R-OPEN", "2026-03-02T09:00:00", "2026-03-02T10:00:00", None))  # not in the report
    hv = sample(
        no="HV-1",
        customer_class="hv_single",
        capacity_kw=800,
        voltage_kv=10,
        documents=["business_licence", "property_proof", "load_list"],
        events=timeline(
            ("2026-09-28T09:00:00", "submitted"),
            ("2026-09-29T09:00:00", "stage_completed", "apply"),
            ("2026-09-29T10:00:00", "approval_started"),
            ("2026-10-08T12:00:00", "approval_completed"),
            ("2026-10-09T09:00:00", "paused", "customer_works"),
            ("2026-10-12T09:00:00", "resumed"),
            ("2026-10-12T10:00:00", "approval_started"),
            ("2026-10-14T18:00:00", "approval_completed"),
            ("2026-10-15T09:00:00", "visit"),
            ("2026-10-16T09:00:00", "stage_completed", "plan"),
            ("2026-10-30T23:59:59", "stage_completed", "connect"),
        ),
    )
    ingest_record(hv)
    # A restart: withdrawn, then submitted again; its clock runs from the first submission.
    ingest_record(
        sample(
            no="W-1",
            events=timeline(
                ("2026-04-01T09:00:00", "submitted"),
                ("2026-04-01T10:00:00.250000", "approval_started"),
                ("2026-04-02T09:00:00", "withdrawn"),
            ),
        )
    )
    ingest_record(
        sample(
            no="W-2",
            restart_of="W-1",
            events=timeline(
                ("2026-04-10T09:00:00", "submitted"),
                ("2026-04-10T11:00:00", "stage_completed", "apply"),
                ("2026-04-13T09:00:00", "paused", "awaiting_document"),
                ("2026-04-14T09:00:00", "resumed"),
                ("2026-04-16T09:00:00", "stage_completed", "connect"),
            ),
        )
    )
    # A native application with a back-filled field action.
    at = lambda day, hour: dt.datetime(2026, 5, day, hour, tzinfo=SHANGHAI)  # noqa: E731
    with time_machine.travel(at(6, 9), tick=False):
        app = submitted(alice, kaili)
    with time_machine.travel(at(8, 9), tick=False):
        services.stage_complete(application=app, stage="apply", actor=cm, device_at=at(6, 15), device_id="t-1")
    with time_machine.travel(at(11, 9), tick=False):
        services.stage_complete(application=app, stage="connect", actor=pm)

    report = compliance_report(2026)
    assert sorted(a.no for a in report.applications) == sorted(["QDN-2026-000123", "R-LATE", "HV-1", "W-2", app.no])
    policy, cal = active_policy(), build_calendar()
    for line in report.applications:
        application = Application.objects.get(no=line.no)
        rule = policy.classes[application.customer_class]
        events = sorted(
            (e for e in application.events.order_by("seq") if e.type in INTERCHANGE_TYPES),
            key=lambda e: e.occurred_at,
        )
        clock_start = application.clock_started_at
        day = (clock_start or application.submitted_at).astimezone(SHANGHAI).date()
        clocks = compute_clocks(
            [TimelineEvent(e.type, e.occurred_at.astimezone(SHANGHAI), e.stage, e.reason) for e in events],
            cal=cal,
            steps=rule.steps,
            step_limits=policy.limit_for(application.customer_class, day).steps,
            limit_clock=rule.clock,
            now=events[-1].occurred_at,
            clock_start=clock_start,
        )
        approval_limit = policy.access_approval_limit(rule.voltage, day)
        assert (
            line.full_process_workdays,
            line.utility_workdays,
            line.approval_workdays,
            line.within_limit,
            line.approval_within_limit,
            line.steps,
            line.visits,
        ) == (
            round(clocks.full_process_workdays, 3),
            round(clocks.utility_workdays, 3),
            round(clocks.approval_workdays, 3),
            clocks.limit_used_workdays <= clocks.limit_workdays,
            (clocks.approval_workdays <= approval_limit) if clocks.approvals else None,
            clocks.stages_completed,
            clocks.visits,
        ), line.no
    restart = next(a for a in report.applications if a.no == "W-2")
    assert restart.restart_of == "W-1"
    assert restart.full_process_workdays > 6  # from 1 April, not 10 April


def test_the_slow_path_for_a_calendar_with_a_gap_gives_the_same_report():
    ingest_record(sample())
    ingest_record(residential("R-LATE", "2026-03-02T09:00:00", "2026-03-02T10:00:00", "2026-03-20T09:00:00.123456"))
    cal = build_calendar()
    gapped = type(cal)(years=cal.years - {2010}, holidays=cal.holidays, makeup_days=cal.makeup_days)
    assert compliance_report(2026, cal=gapped).as_dict() == compliance_report(2026, cal=cal).as_dict()
    out = StringIO()
    call_command("compliance", "--year", "2026", stdout=out)
    assert json.loads(out.getvalue()) == compliance_report(2026).as_dict()
