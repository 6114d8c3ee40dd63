"""Reading applications: for a user (404 when they may not see it), and how urgent an open one is."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from django.http import Http404

from bandian.accounts.rules import AnyUser
from bandian.applications import rules
from bandian.applications.enums import Status
from bandian.applications.models import Application
from bandian.core.time import SHANGHAI
from bandian.policy.schema import Policy, PolicyGap
from bandian.workdays.calendar import DAY, CalendarYearMissing, WorkCalendar


def get_application_for_user(user: AnyUser, no: str) -> Application:
    """The application numbered `no`, if this user may see it; Http404 otherwise (no leak of existence)."""
    app = (
        rules.visible_applications(user)
        .select_related("county", "customer_manager", "project_manager", "applicant", "restart_of")
        .filter(no=no)
        .first()
    )
    if app is None:
        raise Http404("no such application")
    return app


Mark = Literal["paused", "overdue", "warning", ""]


@dataclass(frozen=True)
class Urgency:
    """How close an application is to its deadlines: the queue page and the API's queue both show this.

    `mark` is "paused" (the clock stands still, whatever the stored dates), "overdue" (the current
    step's or the whole limit's deadline has passed), "warning" (nearly due: at least the policy's
    `counting.warning_share` used of the step's limit or of the whole limit, whichever is larger),
    or "" (in time, or closed). `stage_used_share` is the share of the current step's limit used.
    """

    mark: Mark
    stage_used_share: float | None = None

    @property
    def overdue(self) -> bool:
        return self.mark == "overdue"

    @property
    def nearly_due(self) -> bool:
        return self.mark == "warning"


def urgency(app: Application, *, policy: Policy, cal: WorkCalendar, now: dt.datetime) -> Urgency:
    """From the stored due dates (no timeline replay per row): the one rule for "nearly due"."""
    if app.status == Status.PAUSED:
        return Urgency("paused")
    if app.status not in Status.open_states():
        return Urgency("")
    start = app.clock_started_at or app.submitted_at
    step_share = None
    shares = []
    try:
        limit = policy.limit_for(app.customer_class, start.astimezone(SHANGHAI).date()) if start else None
        if limit is not None and app.stage_due_at is not None and limit.steps.get(app.current_stage):
            left = cal.working_seconds(now, app.stage_due_at)
            step_share = max(0.0, 1 - left / (limit.steps[app.current_stage] * DAY))
            shares.append(step_share)
        if limit is not None and app.due_at is not None and limit.total:
            shares.append(1 - cal.working_seconds(now, app.due_at) / (limit.total * DAY))
    except (CalendarYearMissing, PolicyGap, KeyError):
        shares = []
    share = round(step_share, 3) if step_share is not None else None
    if any(due is not None and due < now for due in (app.stage_due_at, app.due_at)):
        return Urgency("overdue", share)
    if shares and max(shares) >= policy.counting.warning_share:
        return Urgency("warning", share)
    return Urgency("", share)
