"""Reading ratings: one application's, the 差评 with their follow-ups, the published figures."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Max, QuerySet
from django.utils import timezone

from bandian.applications.models import Application
from bandian.applications.ratings.models import BAD_LEVELS, FollowUp, Level, Rating
from bandian.core.time import SHANGHAI, year_bounds
from bandian.policy.loader import active_policy


def rating_of(app: Application) -> Rating | None:
    return Rating.objects.select_related("follow_up").filter(application=app).first()


@dataclass(frozen=True)
class BadRating:
    """A 差评 and its follow-up: when it was due, when (if) it was handled, whether in time.

    `in_time` is True or False once handled; while open it is False once overdue, None before.
    """

    follow_up_id: int
    application_no: str
    county: str
    level: str
    rated_at: dt.datetime
    due_at: dt.datetime
    callback_at: dt.datetime | None
    handled_at: dt.datetime | None
    in_time: bool | None
    overdue: bool


def bad_ratings(
    *, county: str | None = None, year: int | None = None, now: dt.datetime | None = None
) -> list[BadRating]:
    """Every 差评 (of a county, of a year by its rating's Shanghai date), oldest first, with its
    due time, its handling and whether it was handled in time. The supervisors' page and the
    rectification list build on this."""
    now = now or timezone.now()
    rows = FollowUp.objects.select_related("rating__application").order_by("rating__rated_at", "pk")
    if county:
        rows = rows.filter(county_id=county)
    if year is not None:
        start, end = year_bounds(year)
        rows = rows.filter(rating__rated_at__gte=start, rating__rated_at__lt=end)
    out = []
    for f in rows:
        handled = f.handled_at
        overdue = handled is None and now > f.due_at
        out.append(
            BadRating(
                follow_up_id=f.pk,
                application_no=f.rating.application.no,
                county=f.county_id,
                level=f.rating.level,
                rated_at=f.rating.rated_at,
                due_at=f.due_at,
                callback_at=f.callback_at,
                handled_at=handled,
                in_time=(handled <= f.due_at) if handled is not None else (False if overdue else None),
                overdue=overdue,
            )
        )
    return out


def county_follow_ups(county: str) -> QuerySet[FollowUp]:
    """The county's customer service queue: open follow-ups first, soonest due first."""
    return (
        FollowUp.objects.filter(county_id=county)
        .select_related("rating__application")
        .order_by("handled_at", "due_at", "pk")
    )


@dataclass
class MonthFigures:
    """The published figures of one county's month. None (shown "—") wherever fewer than the
    policy's `min_published` ratings would be counted."""

    county: str
    month: int
    ratings: int | None
    shares: dict[str, float | None] = field(default_factory=dict)
    bad: int | None = None
    bad_handled_in_time: int | None = None
    bad_handled_in_time_share: float | None = None


def published_figures(year: int) -> list[MonthFigures]:
    """Per county and month of `year` (by the Shanghai date of the rating): the number of ratings,
    the share of each level, the 差评 and how many were handled within the limit. No personal
    data; a county's month with fewer than `min_published` ratings shows none of its figures."""
    minimum = active_policy().ratings.min_published
    start, end = year_bounds(year)
    groups: dict[tuple[str, int], list[tuple[str, dt.datetime | None, dt.datetime | None]]] = defaultdict(list)
    rows = (
        Rating.objects.filter(rated_at__gte=start, rated_at__lt=end)
        .values_list("county_id", "rated_at", "level", "follow_up__handled_at", "follow_up__due_at")
        .order_by("county_id", "rated_at")
    )
    for county, rated_at, level, handled, due in rows:
        groups[(county, rated_at.astimezone(SHANGHAI).month)].append((level, handled, due))
    out = []
    for (county, month), items in sorted(groups.items()):
        n = len(items)
        if n < minimum:
            out.append(MonthFigures(county, month, None, {lvl: None for lvl in Level.values}))
            continue
        bad = [(h, d) for lvl, h, d in items if lvl in BAD_LEVELS]
        in_time = sum(1 for h, d in bad if h is not None and d is not None and h <= d)
        out.append(
            MonthFigures(
                county,
                month,
                n,
                {lvl: round(sum(1 for i in items if i[0] == lvl) / n, 4) for lvl in Level.values},
                len(bad),
                in_time,
                round(in_time / len(bad), 4) if bad else None,
            )
        )
    return out


@dataclass(frozen=True)
class RatingSummary:
    """A year's ratings for the prefecture or one county (by the Shanghai date of the rating): how
    many, the share of each level, the share that is not 差评 (with its monthly trend), and the
    差评 handled within the limit. The supervision dashboard and the public statistics both read it.

    `bad_decided` counts the 差评 whose follow-up is settled: handled, or open past its due time
    (not in time); one still open within its time is not counted yet."""

    ratings: int
    level_shares: dict[str, float | None]
    satisfied: int
    satisfied_share: float | None
    monthly_satisfied_share: list[float | None]  # January to December
    bad: int
    bad_decided: int
    bad_in_time: int
    bad_in_time_share: float | None
    follow_up_workdays: int


def rating_summary(year: int, *, county: str | None = None, now: dt.datetime | None = None) -> RatingSummary:
    start, end = year_bounds(year)
    ratings = Rating.objects.filter(rated_at__gte=start, rated_at__lt=end)
    if county:
        ratings = ratings.filter(county_id=county)
    months = [[0, 0] for _m in range(13)]
    levels: dict[str, int] = dict.fromkeys(Level.values, 0)
    for rated_at, level in ratings.values_list("rated_at", "level"):
        cell = months[rated_at.astimezone(SHANGHAI).month]
        cell[0] += int(level not in BAD_LEVELS)
        cell[1] += 1
        levels[level] = levels.get(level, 0) + 1
    total = sum(n for _g, n in months)
    good = sum(g for g, _n in months)
    bad = bad_ratings(county=county, year=year, now=now)
    decided = [b for b in bad if b.in_time is not None]
    in_time = sum(1 for b in decided if b.in_time)

    def share(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    return RatingSummary(
        ratings=total,
        level_shares={lvl: share(n, total) for lvl, n in levels.items()},
        satisfied=good,
        satisfied_share=share(good, total),
        monthly_satisfied_share=[share(g, n) for g, n in months[1:]],
        bad=len(bad),
        bad_decided=len(decided),
        bad_in_time=in_time,
        bad_in_time_share=share(in_time, len(decided)),
        follow_up_workdays=active_policy().ratings.follow_up_workdays,
    )


def ratings_version() -> str:
    """Changes whenever a rating figure could: a rating given, a follow-up called back or handled (a digest)."""
    given = Rating.objects.aggregate(n=Count("pk"), at=Max("rated_at"))
    followed = FollowUp.objects.aggregate(n=Count("pk"), c=Max("callback_at"), h=Max("handled_at"))
    return hashlib.sha256(f"{sorted(given.items())}|{sorted(followed.items())}".encode()).hexdigest()[:32]
