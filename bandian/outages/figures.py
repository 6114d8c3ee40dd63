"""The outage-notice figures, per county and month of a year (Asia/Shanghai):

- planned outages (not cancelled) starting that month, the share announced at least the notice
  period ahead (7 days; temporary maintenance 24 hours) and the mean notice lead time;
- the messages of outage notices sent by SMS or IM that month: delivered within the policy's
  minutes of sending (`delivered_within_minutes`, one hour), failed for good (in-app messages are
  delivered when written and not counted);
- faults begun that month, and the mean time to restoration of those restored;
- unauthorised rationing (bandian.outages.rationing): the users flagged, by the month it began.

Also each planned outage against what happened (start, end, duration, lead time), and the flags.
One computation for the supervisors' page, `GET /api/v1/supervision/outages`, the supervision
dashboard and the public statistics (`OutageFigures.summary`: the year's totals from the exact
counts, for the prefecture or one county).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Max, Q, Sum

from bandian.accounts.models import County
from bandian.core.time import SHANGHAI, year_bounds
from bandian.notify.models import Message
from bandian.outages import planned, rationing
from bandian.outages.enums import OutageKind, PlanStatus
from bandian.outages.models import Interruption, OutageEvent, PlannedOutage, RestorationStep
from bandian.policy.loader import active_policy

EXTERNAL = (Message.Channel.SMS, Message.Channel.IM)
CACHE_SECONDS = 600


def _hours(delta: dt.timedelta) -> float:
    return round(delta.total_seconds() / 3600, 2)


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass
class MonthRow:
    county: str
    county_name: str
    month: int
    planned: int = 0
    notified_in_time: int = 0
    lead_hours: list[float] = field(default_factory=list)
    messages: int = 0
    delivered_within: int = 0
    failed: int = 0
    faults: int = 0
    restoration_hours: list[float] = field(default_factory=list)
    unauthorised_rationing: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "county": self.county,
            "county_name": self.county_name,
            "month": self.month,
            "planned": self.planned,
            "notified_in_time_share": _share(self.notified_in_time, self.planned),
            "mean_lead_hours": _mean(self.lead_hours),
            "messages": self.messages,
            "delivered_within_hour": self.delivered_within,
            "delivered_within_hour_share": _share(self.delivered_within, self.messages),
            "failed": self.failed,
            "faults": self.faults,
            "faults_restored": len(self.restoration_hours),
            "mean_restoration_hours": _mean(self.restoration_hours),
            "unauthorised_rationing": self.unauthorised_rationing,
        }


@dataclass(frozen=True)
class PlanLine:
    reference: str
    county: str
    status: str
    temporary: bool
    planned_start: dt.datetime
    planned_end: dt.datetime
    planned_hours: float
    actual_start: dt.datetime | None
    actual_end: dt.datetime | None
    actual_hours: float | None
    lead_hours: float
    notified_in_time: bool
    changes_inside_notice_period: int

    @property
    def status_label(self) -> str:
        return str(PlanStatus(self.status).label)


@dataclass(frozen=True)
class NoticeSummary:
    """A year's outage-notice figures for the prefecture or one county, summed from the exact counts
    (never averaged from the months' rounded shares)."""

    planned: int
    notified_in_time: int
    notified_in_time_share: float | None
    mean_lead_hours: float | None
    messages: int
    delivered_within_hour: int
    delivered_within_hour_share: float | None
    failed: int
    faults: int
    faults_restored: int
    mean_restoration_hours: float | None
    unauthorised_rationing: int
    monthly_in_time_share: list[float | None]  # January to December; None for a month with no plan


@dataclass
class OutageFigures:
    year: int
    months: list[dict[str, Any]]
    plans: list[PlanLine]
    flags: list[rationing.Flag]
    rows: list[MonthRow] = field(default_factory=list)

    def summary(self, county: str | None = None) -> NoticeSummary:
        """The year's totals of every county, or of `county`."""
        rows = [r for r in self.rows if county is None or r.county == county]
        planned = sum(r.planned for r in rows)
        in_time = sum(r.notified_in_time for r in rows)
        messages = sum(r.messages for r in rows)
        within = sum(r.delivered_within for r in rows)
        restoration = [h for r in rows for h in r.restoration_hours]
        by_month = [[0, 0] for _m in range(13)]
        for r in rows:
            by_month[r.month][0] += r.notified_in_time
            by_month[r.month][1] += r.planned
        return NoticeSummary(
            planned=planned,
            notified_in_time=in_time,
            notified_in_time_share=_share(in_time, planned),
            mean_lead_hours=_mean([h for r in rows for h in r.lead_hours]),
            messages=messages,
            delivered_within_hour=within,
            delivered_within_hour_share=_share(within, messages),
            failed=sum(r.failed for r in rows),
            faults=sum(r.faults for r in rows),
            faults_restored=len(restoration),
            mean_restoration_hours=_mean(restoration),
            unauthorised_rationing=sum(r.unauthorised_rationing for r in rows),
            monthly_in_time_share=[_share(ok, n) for ok, n in by_month[1:]],
        )

    def as_dict(self) -> dict[str, Any]:
        def local(value: Any) -> Any:
            return value.astimezone(SHANGHAI).isoformat() if isinstance(value, dt.datetime) else value

        return {
            "year": self.year,
            "months": self.months,
            "plans": [{k: local(v) for k, v in asdict(p).items()} for p in self.plans],
            "unauthorised_rationing": [
                {
                    "event_id": f.event_id,
                    "user_id": f.user_id,
                    "county": f.county_id,
                    "start": local(f.start),
                    "end": local(f.end),
                    "reason": f.reason,
                    "source": f.source,
                    "order": f.order,
                }
                for f in self.flags
            ],
        }


def outage_figures(year: int) -> OutageFigures:
    start, end = year_bounds(year)
    names = dict(County.objects.values_list("adcode", "name"))
    rows: dict[tuple[str, int], MonthRow] = {}

    def row(county: str, at: dt.datetime) -> MonthRow:
        month = at.astimezone(SHANGHAI).month
        key = (county, month)
        if key not in rows:
            rows[key] = MonthRow(county, names.get(county, county), month)
        return rows[key]

    plan_lines: list[PlanLine] = []
    plans = (
        PlannedOutage.objects.filter(start__gte=start, start__lt=end).select_related("event").order_by("start", "pk")
    )
    ends = dict(
        RestorationStep.objects.filter(event__plan__in=plans)
        .values("event_id")
        .annotate(last=Max("at"))
        .values_list("event_id", "last")
    )
    for p in plans:
        lead = p.start - p.start_announced_at
        in_time = lead >= planned.notice_period(p.temporary)
        if p.status != PlanStatus.CANCELLED:
            r = row(p.county_id, p.start)
            r.planned += 1
            r.notified_in_time += int(in_time)
            r.lead_hours.append(_hours(lead))
        actual_start = p.event.start if p.event else None
        actual_end = ends.get(p.event.pk) if p.event and p.event.closed_at else None
        plan_lines.append(
            PlanLine(
                reference=p.reference,
                county=p.county_id,
                status=p.status,
                temporary=p.temporary,
                planned_start=p.start,
                planned_end=p.end,
                planned_hours=_hours(p.end - p.start),
                actual_start=actual_start,
                actual_end=actual_end,
                actual_hours=_hours(actual_end - actual_start) if actual_start and actual_end else None,
                lead_hours=_hours(lead),
                notified_in_time=in_time,
                changes_inside_notice_period=p.late_changes,
            )
        )
    within = dt.timedelta(minutes=active_policy().outage_notices.delivered_within_minutes)
    messages = Message.objects.filter(
        kind__startswith="outage.", channel__in=EXTERNAL, created_at__gte=start, created_at__lt=end
    ).exclude(county__isnull=True)
    for county, created, sent, delivered, status in messages.values_list(
        "county_id", "created_at", "sent_at", "delivered_at", "status"
    ):
        r = row(county, created)
        r.messages += 1
        if delivered is not None and delivered - (sent or created) <= within:
            r.delivered_within += 1
        if status == Message.Status.FAILED:
            r.failed += 1
    faults = OutageEvent.objects.filter(kind=OutageKind.FAULT, start__gte=start, start__lt=end)
    restored = dict(
        RestorationStep.objects.filter(event__in=faults, event__closed_at__isnull=False)
        .values("event_id")
        .annotate(last=Max("at"))
        .values_list("event_id", "last")
    )
    for pk, county, begun in faults.values_list("pk", "county_id", "start"):
        r = row(county, begun)
        r.faults += 1
        if pk in restored:
            r.restoration_hours.append(_hours(restored[pk] - begun))
    flags = rationing.unauthorised(start=start, end=end)
    for flag in flags:
        row(flag.county_id, flag.start).unauthorised_rationing += 1
    ordered = [rows[k] for k in sorted(rows)]
    return OutageFigures(year=year, months=[r.as_dict() for r in ordered], plans=plan_lines, flags=flags, rows=ordered)


def figures_version() -> str:
    """Changes whenever an outage figure could: a planned outage added, changed or cancelled, an
    outage event or restoration step recorded, an interruption written, a message queued or its
    delivery settled (the pending messages are counted through the `notify_due` index); a digest. A change to
    a plan also notifies its customers, so it moves the messages too."""
    parts = [
        PlannedOutage.objects.aggregate(
            n=Count("pk"),
            top=Max("pk"),
            late=Sum("late_changes"),
            moved=Max("start_announced_at"),
            cancelled=Count("pk", filter=Q(status=PlanStatus.CANCELLED)),
            happened=Count("event"),
        ),
        OutageEvent.objects.aggregate(n=Count("pk"), top=Max("pk"), closed=Max("closed_at")),
        RestorationStep.objects.aggregate(top=Max("pk")),
        Message.objects.aggregate(top=Max("pk")),
        Message.objects.filter(status__in=(Message.Status.QUEUED, Message.Status.SENT)).aggregate(pending=Count("pk")),
        Interruption.objects.aggregate(n=Count("pk"), top=Max("pk")),
    ]
    return hashlib.sha256("|".join(str(sorted(p.items())) for p in parts).encode()).hexdigest()[:32]


def cached_figures(year: int) -> OutageFigures:
    """`outage_figures(year)`, cached while `figures_version()` is unchanged (the supervision
    dashboard and the public statistics share it)."""
    key = f"outages:figures:v1:{year}:{figures_version()}"
    found = cache.get(key)
    if found is None:
        found = outage_figures(year)
        cache.set(key, found, CACHE_SECONDS)
    return found  # type: ignore[no-any-return]
