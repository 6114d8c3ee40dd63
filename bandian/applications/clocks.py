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
from collections.abc import Sequence
from dataclasses import dataclass, field

from bandian.workdays.calendar import (
    DAY,
    OPEN_END,
    Interval,
    WorkCalendar,
    clip,
    deadline_excluding,
    union,
    working_seconds_of,
)


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


def compute_clocks(
    events: Sequence[TimelineEvent],
    *,
    cal: WorkCalendar,
    steps: Sequence[str],
    step_limits: dict[str, int],
    limit_clock: str,
    now: dt.datetime,
    clock_start: dt.datetime | None = None,
) -> Clocks:
    """Derive status, clocks and deadlines from events in time order."""
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
    visits = 0

    for ev in events:
        t = ev.type
        if t == "submitted" and submitted_at is None:
            submitted_at = ev.at
            status = "in_progress"
        elif t == "stage_completed" and ev.stage not in completed:
            completed[ev.stage] = ev.at
            if ev.stage == steps[-1]:
                energised_at = ev.at
                status = "energised"
            else:
                stage_index = max(stage_index, list(steps).index(ev.stage) + 1) if ev.stage in steps else stage_index
        elif t == "paused" and open_pause is None:
            open_pause = (ev.at, ev.reason)
            status = "paused"
        elif t == "resumed" and open_pause is not None:
            pauses.append(Pause(open_pause[0], ev.at, open_pause[1]))
            open_pause = None
            status = "in_progress"
        elif t == "approval_started" and open_approval is None:
            open_approval = ev.at
        elif t == "approval_completed" and open_approval is not None:
            approvals.append((open_approval, ev.at))
            open_approval = None
        elif t == "visit":
            visits += 1
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
    if start is not None and end > start:
        span = working_seconds_of(cal, [(start, end)])
        p = union(clip(pause_intervals, start, end))
        pa = union(clip(pause_intervals + approval_intervals, start, end))
        full = (span - working_seconds_of(cal, p)) / DAY
        utility = (span - working_seconds_of(cal, pa)) / DAY
    if approval_intervals:
        approval = working_seconds_of(cal, approval_intervals) / DAY

    # Deadlines: the class's limit on its clock, stopped while paused (and, on the utility
    # clock, while the departments approve). A pause still open stops the deadline altogether.
    excluded_for_deadline = [(p.start, p.end or OPEN_END) for p in pauses]
    if limit_clock == "utility":
        excluded_for_deadline += approvals + ([(open_approval, OPEN_END)] if open_approval is not None else [])
    measured = [(s, e) for s, e in excluded_for_deadline]

    stage_clocks: list[StageClock] = []
    due_at = stage_due_at = None
    current_stage = ""
    if start is not None:
        total_days = sum(step_limits[s] for s in steps)
        due_at = deadline_excluding(cal, start, total_days * DAY, excluded_for_deadline)
        stage_start: dt.datetime | None = start
        for i, stage in enumerate(steps):
            limit = step_limits[stage]
            done = completed.get(stage)
            if stage_start is None:
                stage_clocks.append(StageClock(stage, limit, None, None, None, 0.0))
                continue
            stage_due = deadline_excluding(cal, stage_start, limit * DAY, excluded_for_deadline)
            stop = done or end
            used = 0.0
            if stop > stage_start:
                span = working_seconds_of(cal, [(stage_start, stop)])
                gone = working_seconds_of(cal, union(clip([(s, min(e, end)) for s, e in measured], stage_start, stop)))
                used = (span - gone) / DAY
            stage_clocks.append(StageClock(stage, limit, stage_start, done, stage_due, used))
            if done is None and status in ("in_progress", "paused") and i == stage_index:
                current_stage = stage
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
    )
