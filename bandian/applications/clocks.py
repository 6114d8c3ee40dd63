"""The three clocks and the deadlines of an application, derived from its timeline.

A pure function over plain data (requirements §4): with P the union of paused intervals and A
the union of approval intervals,

- full process = working time of [start, end] minus P,
- utility      = working time of [start, end] minus (P ∪ A),
- approval     = working time of A,

where start is the first submission (of the first application, for a restart) and end is
energisation, or the close of the application, or now while it runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bandian.core.time import SHANGHAI
from bandian.workdays.calendar import (
    DAY,
    OPEN_END,
    CalendarYearMissing,
    Interval,
    WorkCalendar,
    WorkingTimeline,
    clip,
    deadline_excluding,
    union,
    working_seconds_of,
)

DAY_BEFORE = dt.timedelta(days=1)
NO_DAYS = dt.timedelta(0)
# Statuses after which the timeline changes no clock (visits are still counted).
TERMINAL = frozenset({"energised", "withdrawn", "cancelled"})


@dataclass(frozen=True)
class TimelineEvent:
    type: str
    at: dt.datetime
    stage: str = ""
    reason: str = ""


@dataclass(frozen=True)
class Pause:
    start: dt.datetime
    end: dt.datetime | None
    reason: str


@dataclass(frozen=True)
class StageClock:
    stage: str
    limit_workdays: int
    started_at: dt.datetime | None
    completed_at: dt.datetime | None
    due_at: dt.datetime | None
    used_workdays: float


@dataclass(frozen=True)
class Clocks:
    status: str
    current_stage: str
    submitted_at: dt.datetime | None
    energised_at: dt.datetime | None
    closed_at: dt.datetime | None
    full_process_workdays: float
    utility_workdays: float
    approval_workdays: float
    limit_clock: str
    limit_workdays: int
    limit_used_workdays: float
    due_at: dt.datetime | None
    stage_due_at: dt.datetime | None
    stages: list[StageClock] = field(default_factory=list)
    pauses: list[Pause] = field(default_factory=list)
    visits: int = 0
    stages_completed: int = 0
    deadline_missing_year: int | None = None
    approvals: int = 0  # approval intervals begun (0: the application had no approval)


def compute_clocks(
    events: Sequence[TimelineEvent],
    *,
    cal: WorkCalendar,
    steps: Sequence[str],
    step_limits: dict[str, int],
    limit_clock: str,
    now: dt.datetime,
    clock_start: dt.datetime | None = None,
    deadlines: bool = True,
    measures: bool = True,
) -> Clocks:
    """Derive status, clocks and deadlines from events in time order.

    With `deadlines=False` (reports over closed applications) the deadlines, the current stage
    and the per-stage clocks are left out (None, "" and []): only the three clocks, the status
    and the counts are computed, at a fraction of the cost. With `measures=False` (what is stored
    on the application: status, stage, deadlines) the working time used — the three clocks and
    each stage's `used_workdays` — is left at 0.
    """
    submitted_at: dt.datetime | None = None
    energised_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    status = "draft"
    stage_index = 0
    completed: dict[str, dt.datetime] = {}
    pauses: list[Pause] = []
    open_pause: tuple[dt.datetime, str] | None = None
    approvals: list[Interval] = []
    open_approval: dt.datetime | None = None
    approvals_running = 0  # department cases in progress: A runs from the first intake to the last decision
    approvals_begun = 0
    visits = 0
    step_list = list(steps)

    for ev in events:
        t = ev.type
        if t == "visit":
            visits += 1
            continue
        if status in TERMINAL:
            continue  # nothing changes a closed application's clocks
        if submitted_at is None and t not in ("submitted", "withdrawn", "cancelled"):
            continue  # no clock runs before submission
        if t == "submitted" and submitted_at is None:
            submitted_at = ev.at
            status = "in_progress"
        elif t == "stage_completed" and ev.stage in step_list and ev.stage not in completed:
            completed[ev.stage] = ev.at
            if ev.stage == step_list[-1]:
                energised_at = ev.at
                status = "energised"
            else:
                stage_index = max(stage_index, step_list.index(ev.stage) + 1)
        elif t == "paused" and open_pause is None:
            open_pause = (ev.at, ev.reason)
            status = "paused"
        elif t == "resumed" and open_pause is not None:
            pauses.append(Pause(open_pause[0], ev.at, open_pause[1]))
            open_pause = None
            status = "in_progress"
        elif t == "approval_started":
            if approvals_running == 0:
                open_approval = ev.at
                approvals_begun += 1
            approvals_running += 1
        elif t == "approval_completed" and approvals_running > 0:
            approvals_running -= 1
            if approvals_running == 0 and open_approval is not None:
                approvals.append((open_approval, ev.at))
                open_approval = None
        elif t in ("withdrawn", "cancelled"):
            closed_at = ev.at
            status = t

    start = (clock_start or submitted_at) if submitted_at is not None else None
    end = energised_at or closed_at or now
    if open_pause is not None:
        pauses.append(Pause(open_pause[0], None, open_pause[1]))
    pause_intervals = [(p.start, p.end or end) for p in pauses]
    approval_intervals = approvals + ([(open_approval, end)] if open_approval is not None else [])

    full = utility = approval = 0.0
    if not measures and start is not None and end > start:
        # Nothing is measured, but the calendar must still hold the days the clocks run over (an
        # interval ending at midnight touches nothing of that day, as `working_seconds` counts).
        last = end.astimezone(SHANGHAI)
        cal.check(
            start.astimezone(SHANGHAI).date(), last.date() - (DAY_BEFORE if last.time() == dt.time() else NO_DAYS)
        )
    if measures and start is not None and end > start:
        span = working_seconds_of(cal, [(start, end)])
        p = union(clip(pause_intervals, start, end))
        pa = union(clip(pause_intervals + approval_intervals, start, end))
        full = (span - working_seconds_of(cal, p)) / DAY
        utility = (span - working_seconds_of(cal, pa)) / DAY
    if measures and approval_intervals:
        approval = working_seconds_of(cal, approval_intervals) / DAY

    # Deadlines: the class's limit on its clock, stopped while paused (and, on the utility
    # clock, while the departments approve). A pause still open stops the deadline altogether,
    # unless the application is closed: then it ended with the application.
    open_end = end if status in TERMINAL else OPEN_END
    excluded_for_deadline = [(p.start, p.end or open_end) for p in pauses]
    if limit_clock == "utility":
        excluded_for_deadline += approvals + ([(open_approval, open_end)] if open_approval is not None else [])
    measured = [(s, e) for s, e in excluded_for_deadline]

    stage_clocks: list[StageClock] = []
    due_at = stage_due_at = None
    current_stage = ""
    if status in ("in_progress", "paused") and stage_index < len(step_list):
        current_stage = step_list[stage_index]
    # A deadline that runs into a year the calendar does not hold is unknown, never guessed:
    # it is None, and the year is reported so that pages can say which year must be loaded.
    deadline_missing_year: int | None = None

    def deadline(begin: dt.datetime, workdays: int) -> dt.datetime | None:
        nonlocal deadline_missing_year
        try:
            return deadline_excluding(cal, begin, workdays * DAY, excluded_for_deadline)
        except CalendarYearMissing as exc:
            deadline_missing_year = deadline_missing_year or exc.year
            return None

    if start is not None and deadlines:
        due_at = deadline(start, sum(step_limits[s] for s in steps))
        stage_start: dt.datetime | None = start
        for stage in steps:
            limit = step_limits[stage]
            done = completed.get(stage)
            if stage_start is None:
                stage_clocks.append(StageClock(stage, limit, None, None, None, 0.0))
                continue
            stage_due = deadline(stage_start, limit)
            stop = done or end
            used = 0.0
            if measures and stop > stage_start:
                span = working_seconds_of(cal, [(stage_start, stop)])
                gone = working_seconds_of(cal, union(clip([(s, min(e, end)) for s, e in measured], stage_start, stop)))
                used = (span - gone) / DAY
            stage_clocks.append(StageClock(stage, limit, stage_start, done, stage_due, used))
            if stage == current_stage:
                stage_due_at = stage_due
            stage_start = done if done is not None else None

    limit_total = sum(step_limits[s] for s in steps)
    used_on_limit_clock = full if limit_clock == "full_process" else utility
    return Clocks(
        status=status,
        current_stage=current_stage,
        submitted_at=submitted_at,
        energised_at=energised_at,
        closed_at=closed_at,
        full_process_workdays=full,
        utility_workdays=utility,
        approval_workdays=approval,
        limit_clock=limit_clock,
        limit_workdays=limit_total,
        limit_used_workdays=used_on_limit_clock,
        due_at=due_at,
        stage_due_at=stage_due_at,
        stages=stage_clocks,
        pauses=pauses,
        visits=visits,
        stages_completed=len(completed),
        deadline_missing_year=deadline_missing_year,
        approvals=approvals_begun,
    )


# The same three clocks over raw rows, for reports over many applications.


@dataclass(frozen=True, slots=True)
class RowClocks:
    """The three clocks in exact working microseconds, and the counts a report needs."""

    status: str
    full_process_us: int
    utility_us: int
    approval_us: int
    approvals: int  # approval intervals (department cases) seen: 0 means no approval at all
    stages_completed: int
    visits: int
    submitted_us: int | None  # the first submission (None: never submitted)


def _measure(at: Callable[[int], int], intervals: list[tuple[int, int]]) -> int:
    """The working time of the union of intervals (epoch microseconds)."""
    total = 0
    end = None
    start = 0
    for s, e in sorted(intervals):
        if e <= s:
            continue
        if end is not None and s <= end:
            if e > end:
                end = e
            continue
        if end is not None:
            total += at(end) - at(start)
        start, end = s, e
    if end is not None:
        total += at(end) - at(start)
    return total


def row_clocks(
    events: Sequence[tuple[str, int, str]],
    *,
    timeline: WorkingTimeline | Callable[[int], int],
    steps: Sequence[str],
    clock_start_us: int | None = None,
) -> RowClocks:
    """`compute_clocks` for a report: the same state machine and the same three clocks, over
    (type, instant in UTC epoch microseconds, stage) rows in time order, measured as prefix
    sums on the working-day calendar (`WorkingTimeline`), in integers. The end of a running
    application is its last event. tests/supervision/test_fast_path.py holds it to
    compute_clocks. `timeline` may be given as its `function()`, to save the look-up."""
    at_ = timeline.function() if isinstance(timeline, WorkingTimeline) else timeline
    submitted = energised = closed = None
    status = "draft"
    completed: set[str] = set()
    last_step = steps[-1]
    pauses: list[tuple[int, int | None]] = []  # None: still open
    open_pause: int | None = None
    approvals: list[tuple[int, int]] = []
    open_approval: int | None = None
    running = 0
    seen_approvals = 0
    visits = 0
    for kind, at, stage in events:
        if kind == "visit":
            visits += 1
            continue
        if status in TERMINAL:
            continue
        if submitted is None:
            if kind == "submitted":
                submitted = at
                status = "in_progress"
            elif kind in ("withdrawn", "cancelled"):
                closed = at
                status = kind
            continue
        if kind == "stage_completed":
            if stage in steps and stage not in completed:
                completed.add(stage)
                if stage == last_step:
                    energised = at
                    status = "energised"
        elif kind == "paused":
            if open_pause is None:
                open_pause = at
                status = "paused"
        elif kind == "resumed":
            if open_pause is not None:
                pauses.append((open_pause, at))
                open_pause = None
                status = "in_progress"
        elif kind == "approval_started":
            if running == 0:
                open_approval = at
                seen_approvals += 1
            running += 1
        elif kind == "approval_completed":
            if running > 0:
                running -= 1
                if running == 0 and open_approval is not None:
                    approvals.append((open_approval, at))
                    open_approval = None
        elif kind in ("withdrawn", "cancelled"):
            closed = at
            status = kind
    if submitted is None:
        return RowClocks(status, 0, 0, 0, 0, 0, visits, None)
    start = clock_start_us if clock_start_us is not None else submitted
    end = energised if energised is not None else closed if closed is not None else events[-1][1]
    if open_pause is not None:
        pauses.append((open_pause, None))
    if open_approval is not None:
        approvals.append((open_approval, end))
    # The pauses follow one another, and so do the approval intervals (A runs from the first
    # intake to the last decision): each list is disjoint and in time order, so its working time
    # is a plain sum. Only P ∪ A needs merging.
    full = utility = 0
    a: list[tuple[int, int]] = []
    if end > start:
        span = at_(end) - at_(start)
        p = []
        for s, e in pauses:
            s, e = max(s, start), min(end if e is None else e, end)
            if e > s:
                p.append((s, e))
        for s, e in approvals:
            s, e = max(s, start), min(e, end)
            if e > s:
                a.append((s, e))
        p_time = sum(at_(e) - at_(s) for s, e in p) if p else 0
        full = span - p_time
        if not a:
            utility = full
        elif not p:
            utility = span - sum(at_(e) - at_(s) for s, e in a)
        else:
            utility = span - _measure(at_, p + a)
    approval = 0
    if approvals:
        if a == approvals:
            approval = sum(at_(e) - at_(s) for s, e in a)
        else:
            approval = sum(at_(e) - at_(s) for s, e in approvals if e > s)
    return RowClocks(status, full, utility, approval, seen_approvals, len(completed), visits, submitted)
