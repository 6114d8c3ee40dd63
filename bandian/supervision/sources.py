"""The problems the system puts on the rectification list by itself (`scan`).

Each source is a function `(at) -> iterable of Found`, the reading of one rule that a page
already shows elsewhere (an application past its limit, a classification the policy
contradicts, a late annual plan, …); `scan` opens one item per problem (`rectification_open` is
idempotent per source and subject) and is run daily by `manage.py supervision scan` (cron or the
worker). A source added by another part of bandian is one more function in `SOURCES`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bandian.applications.compliance import compliance_report
from bandian.applications.enums import Status as AppStatus
from bandian.applications.models import Application
from bandian.applications.ratings import selectors as rating_selectors
from bandian.core.time import SHANGHAI
from bandian.outages import rationing as rationing_flags
from bandian.outages.models import PlannedOutage
from bandian.policy.loader import active_policy
from bandian.supervision import annual
from bandian.supervision.contractors import concentrations
from bandian.supervision.models import Source
from bandian.supervision.rectifications import rectification_open
from bandian.workdays.calendar import CalendarYearMissing

# How far back the scan looks for applications past their limit (older ones were the imported
# history's: supervisors read them in the compliance report).
LOOKBACK = dt.timedelta(days=366)


@dataclass(frozen=True)
class Found:
    source: str
    subject: str
    title: str
    unit: str
    county: str | None = None
    description: str = ""


def _utility() -> str:
    return next(code for code, unit in active_policy().supervision.units.items() if unit.kind == "utility")


def overdue_applications(at: dt.datetime) -> Iterator[Found]:
    """Open applications past their limit, and applications energised after it."""
    late = (
        Application.objects.filter(due_at__gte=at - LOOKBACK)
        .filter(
            Q(due_at__lt=at, status=AppStatus.IN_PROGRESS) | Q(status=AppStatus.ENERGISED, energised_at__gt=F("due_at"))
        )
        .values_list("no", "county_id", "due_at")
    )
    unit = _utility()
    for no, county, due_at in late:
        assert due_at is not None
        yield Found(
            Source.OVERDUE_APPLICATION,
            no,
            _("申请 %(no)s 超过办电时限（期限 %(d)s）")
            % {"no": no, "d": due_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")},
            unit,
            county,
        )


def misclassified(at: dt.datetime) -> Iterator[Found]:
    """Applications energised this year whose class contradicts the policy (the compliance report's `class_check`)."""
    try:
        report = compliance_report(at.astimezone(SHANGHAI).year)
    except CalendarYearMissing:
        return
    unit = _utility()
    counties = dict(
        Application.objects.filter(no__in=[r.no for r in report.misclassified()]).values_list("no", "county_id")
    )
    for row in report.misclassified():
        yield Found(
            Source.CLASSIFICATION,
            row.no,
            _("申请 %(no)s 按 %(c)s 办理，现行政策应为 %(e)s")
            % {
                "no": row.no,
                "c": row.customer_class,
                "e": (row.class_check or "").removeprefix("expected "),
            },
            unit,
            counties.get(row.no),
        )


def designation(at: dt.datetime) -> Iterator[Found]:
    """三指定: a builder's share of a customer manager's (or a county's) high-voltage applications
    above the policy's threshold (contractors.concentrations)."""
    unit = _utility()
    for c in concentrations():
        if not c.flagged:
            continue
        who = c.manager or c.county
        yield Found(
            Source.DESIGNATION,
            f"{c.scope}:{c.county}:{c.manager}:{c.builder}"[:100],
            _("疑似“三指定”：%(who)s 的 %(t)s 件高压申请中 %(n)s 件由 %(b)s 施工（%(p)s%%）")
            % {"who": who, "t": c.total, "n": c.applications, "b": c.builder_name, "p": round(c.share * 100)},
            unit,
            c.county,
        )


def rationing(at: dt.datetime) -> Iterator[Found]:
    """Rationing without an order covering the customer (outages.rationing): one item per outage."""
    by_event: dict[str, list[rationing_flags.Flag]] = {}
    for flag in rationing_flags.unauthorised(start=at - LOOKBACK):
        by_event.setdefault(flag.event_id, []).append(flag)
    unit = _utility()
    for event_id, flags in by_event.items():
        first = flags[-1]
        yield Found(
            Source.RATIONING,
            event_id,
            _("违规限电：停电 %(e)s 涉及 %(n)s 个用户（%(r)s）")
            % {"e": event_id, "n": len(flags), "r": first.reason_label},
            unit,
            first.county_id,
        )


def late_notices(at: dt.datetime) -> Iterator[Found]:
    """Planned outages changed inside their notice period (the customers were told late)."""
    unit = _utility()
    late = PlannedOutage.objects.filter(late_changes__gt=0, start__gte=at - LOOKBACK).values_list(
        "reference", "county_id", "late_changes"
    )
    for reference, county, changes in late:
        yield Found(
            Source.LATE_NOTICE,
            reference,
            _("计划停电 %(r)s 在通知期内变更 %(n)s 次") % {"r": reference, "n": changes},
            unit,
            county,
        )


def bad_ratings_late(at: dt.datetime) -> Iterator[Found]:
    """A 差评 whose follow-up was not handled within the policy's working days (ratings.bad_ratings)."""
    unit = _utility()
    for bad in rating_selectors.bad_ratings(now=at):
        if bad.in_time is False and bad.rated_at >= at - LOOKBACK:
            yield Found(
                Source.BAD_RATING,
                bad.application_no,
                _("申请 %(no)s 的差评未在期限内回访整改（期限 %(d)s）")
                % {"no": bad.application_no, "d": bad.due_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")},
                unit,
                bad.county,
            )


SOURCES: list[Callable[[dt.datetime], Iterable[Found]]] = [
    bad_ratings_late,
    overdue_applications,
    misclassified,
    designation,
    rationing,
    late_notices,
]


def scan(*, at: dt.datetime | None = None, notify_people: bool = True) -> dict[str, int]:
    """Open an item for every problem the sources find that is not on the list yet; send the
    annual plan's reminders. Returns the number of items opened per source (and reminders).
    `notify_people=False` records history without telling anyone (the demo)."""
    when = at or timezone.now()
    opened: dict[str, int] = {}
    for source in SOURCES:
        for found in source(when):
            _item, created = rectification_open(
                source=found.source,
                subject=found.subject,
                title=found.title,
                unit=found.unit,
                county=found.county,
                description=found.description,
                actor=None,
                at=when,
                notify_people=notify_people,
            )
            if created:
                opened[found.source] = opened.get(found.source, 0) + 1
    watched = annual.plan_watch(at=when)
    if watched["opened"]:
        opened[Source.ANNUAL_PLAN] = watched["opened"]
    opened["reminders"] = watched["reminders"]
    return opened
