"""The three clocks and the deadlines against a brute-force hour-by-hour count of requirements §4."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bandian.applications.clocks import TimelineEvent, compute_clocks
from bandian.core.time import SHANGHAI
from bandian.workdays.calendar import DAY, OPEN_END, WorkCalendar
from bandian.workdays.seed import SEED_YEARS, seed_days
from tests.workdays import reference as ref

HOUR = dt.timedelta(hours=1)
HOLIDAYS = frozenset(d for d, kind, _ in seed_days() if kind == "holiday")
MAKEUP = frozenset(d for d, kind, _ in seed_days() if kind == "makeup")
CAL = WorkCalendar(years=frozenset(SEED_YEARS), holidays=HOLIDAYS, makeup_days=MAKEUP)
IS_WORKING = ref.rule(HOLIDAYS, MAKEUP)
BASE = dt.datetime(2024, 6, 1, tzinfo=SHANGHAI)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def ev(type: str, when: str, **kw: str) -> TimelineEvent:
    return TimelineEvent(type=type, at=at(when), **kw)


RESIDENTIAL = {"steps": ["apply", "connect"], "step_limits": {"apply": 1, "connect": 4}, "limit_clock": "full_process"}
HV = {
    "steps": ["apply", "plan", "connect"],
    "step_limits": {"apply": 2, "plan": 10, "connect": 10},
    "limit_clock": "utility",
}


# Worked cases, pinned.


def test_residential_due_five_working_days_after_submission_over_national_day():
    clocks = compute_clocks([ev("submitted", "2026-09-30 10:00")], cal=CAL, now=at("2026-10-09 15:00"), **RESIDENTIAL)
    assert clocks.status == "in_progress"
    assert clocks.current_stage == "apply"
    assert clocks.due_at == at("2026-10-13 10:00")
    assert clocks.stage_due_at == at("2026-10-08 10:00")
    assert clocks.full_process_workdays == pytest.approx(53 / 24)
    assert clocks.limit_used_workdays == pytest.approx(53 / 24)


def test_a_pause_stops_the_full_process_clock_and_moves_the_deadline():
    events = [
        ev("submitted", "2026-03-02 09:00"),
        ev("paused", "2026-03-02 12:00", reason="customer_not_ready"),
        ev("resumed", "2026-03-04 12:00"),  # two working days stopped
        ev("stage_completed", "2026-03-05 09:00", stage="apply"),
        ev("stage_completed", "2026-03-06 09:00", stage="connect"),
    ]
    clocks = compute_clocks(events, cal=CAL, now=at("2026-04-01 00:00"), **RESIDENTIAL)
    assert clocks.status == "energised"
    assert clocks.full_process_workdays == pytest.approx(2.0)  # 4 days minus 2 paused
    assert clocks.utility_workdays == pytest.approx(2.0)
    assert clocks.due_at == at("2026-03-11 09:00")  # Mar 9 + 2 working days of pause
    assert [p.reason for p in clocks.pauses] == ["customer_not_ready"]


def test_approval_counts_on_its_own_clock_and_not_on_the_utility_clock():
    events = [
        ev("submitted", "2026-03-02 09:00"),
        ev("approval_started", "2026-03-03 09:00"),
        ev("approval_started", "2026-03-03 10:00"),  # a second department, in parallel
        ev("approval_completed", "2026-03-04 09:00"),
        ev("approval_completed", "2026-03-05 09:00"),  # the last decision closes A
    ]
    clocks = compute_clocks(events, cal=CAL, now=at("2026-03-06 09:00"), **HV)
    assert clocks.approval_workdays == pytest.approx(2.0)
    assert clocks.full_process_workdays == pytest.approx(4.0)
    assert clocks.utility_workdays == pytest.approx(2.0)


def test_an_open_pause_leaves_no_deadline_until_resumed():
    events = [ev("submitted", "2026-03-02 09:00"), ev("paused", "2026-03-02 10:00", reason="customer_works")]
    clocks = compute_clocks(events, cal=CAL, now=at("2026-03-20 09:00"), **RESIDENTIAL)
    assert clocks.status == "paused"
    assert clocks.due_at is None
    assert clocks.stage_due_at is None
    assert clocks.full_process_workdays == pytest.approx(1 / 24)


def test_a_restart_runs_the_clocks_from_the_first_submission():
    events = [ev("submitted", "2026-03-09 09:00")]
    clocks = compute_clocks(
        events, cal=CAL, now=at("2026-03-09 09:00"), clock_start=at("2026-03-02 09:00"), **RESIDENTIAL
    )
    assert clocks.submitted_at == at("2026-03-09 09:00")
    assert clocks.full_process_workdays == pytest.approx(5.0)
    assert clocks.due_at == at("2026-03-09 09:00")


def test_nothing_after_energisation_changes_the_clocks():
    events = [
        ev("submitted", "2026-03-02 09:00"),
        ev("stage_completed", "2026-03-02 12:00", stage="apply"),
        ev("stage_completed", "2026-03-03 09:00", stage="connect"),
        ev("paused", "2026-03-04 09:00", reason="customer_works"),
        ev("visit", "2026-03-05 09:00"),
    ]
    clocks = compute_clocks(events, cal=CAL, now=at("2026-03-20 09:00"), **RESIDENTIAL)
    assert clocks.status == "energised"
    assert clocks.pauses == []
    assert clocks.visits == 1
    assert clocks.full_process_workdays == pytest.approx(1.0)


def test_withdrawn_while_paused_keeps_a_deadline():
    events = [
        ev("submitted", "2026-03-02 09:00"),
        ev("paused", "2026-03-02 10:00", reason="customer_works"),
        ev("withdrawn", "2026-03-03 10:00"),
    ]
    clocks = compute_clocks(events, cal=CAL, now=at("2026-03-20 09:00"), **RESIDENTIAL)
    assert clocks.status == "withdrawn"
    assert clocks.full_process_workdays == pytest.approx(1 / 24)
    assert clocks.due_at == at("2026-03-10 09:00")  # the pause ended with the application


# Properties: random timelines at hour granularity, brute-forced hour by hour.


@dataclass
class Case:
    steps: list[str]
    step_limits: dict[str, int]
    limit_clock: str
    submitted: dt.datetime
    clock_start: dt.datetime | None
    pauses: list[tuple[dt.datetime, dt.datetime | None]]
    approvals: list[tuple[dt.datetime, dt.datetime | None]]
    completions: list[dt.datetime]
    closed: tuple[str, dt.datetime] | None
    now: dt.datetime

    def events(self) -> list[TimelineEvent]:
        out = [TimelineEvent("submitted", self.submitted)]
        for start, end in self.pauses:
            out.append(TimelineEvent("paused", start, reason="customer_not_ready"))
            if end is not None:
                out.append(TimelineEvent("resumed", end))
        for start, end in self.approvals:
            out.append(TimelineEvent("approval_started", start))
            if end is not None:
                out.append(TimelineEvent("approval_completed", end))
        for stage, when in zip(self.steps, self.completions, strict=False):
            out.append(TimelineEvent("stage_completed", when, stage=stage))
        if self.closed:
            out.append(TimelineEvent(self.closed[0], self.closed[1]))
        return sorted(out, key=lambda e: e.at)


def hours(n: int) -> dt.timedelta:
    return n * HOUR


@st.composite
def cases(draw) -> Case:
    steps = draw(st.sampled_from([["apply", "connect"], ["apply", "plan", "connect"]]))
    step_limits = {s: draw(st.integers(min_value=1, max_value=12)) for s in steps}
    limit_clock = draw(st.sampled_from(["full_process", "utility"]))
    submitted = BASE + hours(draw(st.integers(min_value=0, max_value=24 * 600)))
    lead = draw(st.none() | st.integers(min_value=1, max_value=24 * 20))
    clock_start = submitted - hours(lead) if lead else None

    # Pauses follow one another (a pause ends before the next begins); the last may be open.
    pauses: list[tuple[dt.datetime, dt.datetime | None]] = []
    t = submitted
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        start = t + hours(draw(st.integers(min_value=1, max_value=24 * 8)))
        t = start + hours(draw(st.integers(min_value=1, max_value=24 * 6)))
        pauses.append((start, t))
    # Department cases may overlap each other and the pauses; A is their union.
    approvals: list[tuple[dt.datetime, dt.datetime | None]] = []
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        start = submitted + hours(draw(st.integers(min_value=1, max_value=24 * 30)))
        approvals.append((start, start + hours(draw(st.integers(min_value=1, max_value=24 * 8)))))
    latest = max([submitted] + [e for _, e in pauses if e] + [e for _, e in approvals if e])

    done = draw(st.integers(min_value=0, max_value=len(steps)))
    gaps = [draw(st.integers(min_value=1, max_value=24 * 8)) for _ in range(done)]
    completions = []
    t = submitted
    for i, gap in enumerate(gaps):
        t = t + hours(gap)
        if i == len(steps) - 1:  # energisation comes after every pause and approval
            t = max(t, latest + hours(gap))
        completions.append(t)
    energised = done == len(steps)
    closed = None
    if not energised and draw(st.booleans()):
        when = max([latest, *completions]) + hours(draw(st.integers(1, 48)))
        closed = (draw(st.sampled_from(["withdrawn", "cancelled"])), when)
    if not energised and pauses and draw(st.booleans()):
        pauses[-1] = (pauses[-1][0], None)
    if not energised and approvals and draw(st.booleans()):
        approvals[-1] = (approvals[-1][0], None)
    last = max([latest, *completions] + ([closed[1]] if closed else []))
    now = last + hours(draw(st.integers(min_value=0, max_value=24 * 10)))
    return Case(steps, step_limits, limit_clock, submitted, clock_start, pauses, approvals, completions, closed, now)


def brute_force(case: Case):
    start = case.clock_start or case.submitted
    energised = case.completions[-1] if len(case.completions) == len(case.steps) else None
    end = energised or (case.closed[1] if case.closed else case.now)
    closed = energised is not None or case.closed is not None
    paused = [(s, e or end) for s, e in case.pauses]
    approving = [(s, e or end) for s, e in case.approvals]

    def inside(h: dt.datetime, intervals) -> bool:
        return any(s <= h < e for s, e in intervals)

    full = utility = 0
    h = start
    while h < end:
        if IS_WORKING(h.date()) and not inside(h, paused):
            full += 1
            if not inside(h, approving):
                utility += 1
        h += HOUR
    approval = 0
    if approving:
        h = min(s for s, _ in approving)
        while h < max(e for _, e in approving):
            approval += IS_WORKING(h.date()) and inside(h, approving)
            h += HOUR

    open_end = end if closed else OPEN_END
    excluded = [(s, e or open_end) for s, e in case.pauses]
    if case.limit_clock == "utility":
        excluded += [(s, e or open_end) for s, e in case.approvals]
    measured = [(s, min(e, end)) for s, e in excluded]
    total = sum(case.step_limits.values())
    due = ref.deadline(IS_WORKING, SEED_YEARS, start, total * DAY, excluded)
    stages = []
    stage_start: dt.datetime | None = start
    for i, stage in enumerate(case.steps):
        if stage_start is None:
            stages.append((None, None, 0.0))
            continue
        stage_due = ref.deadline(IS_WORKING, SEED_YEARS, stage_start, case.step_limits[stage] * DAY, excluded)
        stop = case.completions[i] if i < len(case.completions) else end
        used = 0
        h = stage_start
        while h < stop:
            used += IS_WORKING(h.date()) and not inside(h, measured)
            h += HOUR
        stages.append((stage_start, stage_due, used / 24))
        stage_start = case.completions[i] if i < len(case.completions) else None
    return full / 24, utility / 24, approval / 24, due, stages


@settings(max_examples=200, deadline=None)
@given(case=cases())
def test_clocks_and_deadlines_match_the_hour_by_hour_count(case: Case):
    clocks = compute_clocks(
        case.events(),
        cal=CAL,
        steps=case.steps,
        step_limits=case.step_limits,
        limit_clock=case.limit_clock,
        now=case.now,
        clock_start=case.clock_start,
    )
    full, utility, approval, due, stages = brute_force(case)
    assert clocks.full_process_workdays == pytest.approx(full, abs=1e-9)
    assert clocks.utility_workdays == pytest.approx(utility, abs=1e-9)
    assert clocks.approval_workdays == pytest.approx(approval, abs=1e-9)
    assert clocks.limit_used_workdays == pytest.approx(full if case.limit_clock == "full_process" else utility)
    assert clocks.due_at == due
    for got, (stage_start, stage_due, used) in zip(clocks.stages, stages, strict=True):
        assert got.started_at == stage_start
        assert got.due_at == stage_due
        assert got.used_workdays == pytest.approx(used, abs=1e-9)

    energised = len(case.completions) == len(case.steps)
    if energised:
        assert clocks.status == "energised"
        assert clocks.energised_at == case.completions[-1]
    elif case.closed:
        assert clocks.status == case.closed[0]
    else:
        assert clocks.status == ("paused" if case.pauses and case.pauses[-1][1] is None else "in_progress")
        current = case.steps[len(case.completions)]
        assert clocks.current_stage == current
        assert clocks.stage_due_at == stages[len(case.completions)][1]


@settings(max_examples=100, deadline=None)
@given(case=cases())
def test_without_deadlines_the_clocks_are_the_same(case: Case):
    kwargs = {
        "cal": CAL,
        "steps": case.steps,
        "step_limits": case.step_limits,
        "limit_clock": case.limit_clock,
        "now": case.now,
        "clock_start": case.clock_start,
    }
    full = compute_clocks(case.events(), **kwargs)
    lean = compute_clocks(case.events(), deadlines=False, **kwargs)
    assert (lean.status, lean.submitted_at, lean.energised_at, lean.closed_at, lean.visits) == (
        full.status,
        full.submitted_at,
        full.energised_at,
        full.closed_at,
        full.visits,
    )
    assert lean.full_process_workdays == full.full_process_workdays
    assert lean.utility_workdays == full.utility_workdays
    assert lean.approval_workdays == full.approval_workdays
    assert lean.limit_used_workdays == full.limit_used_workdays
    assert lean.due_at is None
