"""Demo data of the service rating (好差评): ratings of applications that ended in the months
before the demo's "now", spread over the five levels, and the follow-ups of the 差评 — most called
back and rectified in time, one rectified late, the latest one still open — through the rating
services with `at=`; then the invitations (and reminders) due at "now" for the rest.

Run by `manage.py demo` after the other parts. Deterministic (a seeded generator over the
applications in number order); skipped when any rating exists.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from bandian.accounts.models import Role, User
from bandian.applications.enums import Status
from bandian.applications.models import Application
from bandian.applications.ratings import services
from bandian.applications.ratings.models import FollowUp, Level, Rating
from bandian.demo.applications import DEMO_NOW

SEED = 11
WINDOW = dt.timedelta(days=150)
MOST = 400
SHARE = 0.9
WEIGHTS = [
    (Level.VERY_SATISFIED, 55),
    (Level.SATISFIED, 25),
    (Level.BASICALLY_SATISFIED, 10),
    (Level.DISSATISFIED, 6),
    (Level.VERY_DISSATISFIED, 4),
]
COMMENTS = {
    Level.VERY_SATISFIED: ["客户经理上门很及时", "全程网上办理，很方便", ""],
    Level.SATISFIED: ["办理较快", ""],
    Level.BASICALLY_SATISFIED: ["装表时间比约定晚了半天", ""],
    Level.DISSATISFIED: ["多次打电话才有人回复", "装表等待时间长"],
    Level.VERY_DISSATISFIED: ["约好的时间没有人来", "态度不好"],
}


@dataclass(frozen=True)
class RatingsDemoResult:
    loaded: bool
    ratings: int = 0
    follow_ups: int = 0
    invitations: int = 0
    seconds: float = 0.0
    reason: str = ""


def load_ratings_demo(*, progress: Callable[[str], None] | None = None) -> RatingsDemoResult:
    started = time.monotonic()
    if Rating.objects.exists():
        return RatingsDemoResult(False, reason="ratings exist already")
    rng = random.Random(SEED)
    ended = list(
        Application.objects.filter(
            status__in=Status.closed_states(),
            submitted_at__isnull=False,
            closed_at__gte=DEMO_NOW - WINDOW,
            closed_at__lte=DEMO_NOW - dt.timedelta(days=1),
        )
        .select_related("applicant")
        .order_by("no")
    )
    chosen = [app for app in ended if rng.random() < SHARE][:MOST]
    counters = {u.county_id: u for u in User.objects.filter(role=Role.COUNTER, is_active=True).order_by("pk")}
    levels = [v for v, _w in WEIGHTS]
    weights = [w for _v, w in WEIGHTS]
    made = 0
    bad: list[Rating] = []
    with transaction.atomic():
        for n, app in enumerate(chosen):
            level = rng.choices(levels, weights)[0]
            if n % 15 == 4 or (n < 12 and n % 3 == 1):  # enough 差评 in a small demo too
                level = Level.DISSATISFIED if n % 2 else Level.VERY_DISSATISFIED
            last = app.events.order_by("-seq").values_list("occurred_at", flat=True).first()
            when = max(app.closed_at or DEMO_NOW, last or DEMO_NOW) + dt.timedelta(hours=rng.randint(2, 60))
            if when > DEMO_NOW - dt.timedelta(hours=1):
                continue
            rating = services.rating_submit(
                application=app,
                level=level,
                comment=rng.choice(COMMENTS[level]),
                customer_manager_level=rng.choice([None, level]),
                project_manager_level=rng.choice([None, level]),
                actor=app.applicant,
                via_link=app.applicant is None,
                at=when,
            )
            made += 1
            if rating.bad:
                bad.append(rating)
        bad.sort(key=lambda r: r.rated_at)
        for i, rating in enumerate(bad):
            follow_up = FollowUp.objects.get(rating=rating)
            clerk = counters.get(rating.county_id)
            if clerk is None or i == len(bad) - 1:
                continue  # the latest 差评 is still open
            late = i == len(bad) - 2
            called = rating.rated_at + dt.timedelta(hours=20)
            fixed = follow_up.due_at + dt.timedelta(days=2) if late else follow_up.due_at - dt.timedelta(days=1)
            if fixed > DEMO_NOW - dt.timedelta(hours=1) or called >= fixed:
                continue
            services.follow_up_callback(
                follow_up=follow_up, actor=clerk, note="已电话回访申请人，了解情况并致歉", at=called
            )
            services.follow_up_rectify(
                follow_up=follow_up,
                actor=clerk,
                rectification="已对相关人员批评教育，调整装表排班，并再次回访申请人",
                at=fixed,
            )
        invited, _reminded = services.rating_invitations_send(at=DEMO_NOW - dt.timedelta(hours=1))
    if progress:
        progress(f"ratings: {made} ratings, {len(bad)} 差评")
    return RatingsDemoResult(
        True,
        ratings=made,
        follow_ups=len(bad),
        invitations=invited,
        seconds=time.monotonic() - started,
    )
