"""The public outage page's one reading, shared by the page, `GET /api/v1/public/outages` and the
county feeds: current and planned outages per county, with the area, times, cause in plain
words, repair progress and estimated restoration. No personal data: no customer, no MV user,
no staff member; the area is in the words the operator gave for the public.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from bandian.accounts.models import County
from bandian.core.errors import ServiceError
from bandian.core.time import SHANGHAI
from bandian.outages import faults
from bandian.outages.enums import OutageCause, OutageKind, PlanStatus
from bandian.outages.models import OutageEvent, PlannedOutage, ProgressStep

# Planned outages shown ahead of today when no `to` is given.
DEFAULT_DAYS_AHEAD = 30
MAX_SPAN_DAYS = 366


@dataclass(frozen=True)
class PublicOutage:
    reference: str
    county: str  # adcode
    county_name: str
    status: str  # "current" or "planned"
    kind: str  # "planned", "fault" or "rationing"
    kind_label: str
    area: str
    start: dt.datetime
    end: dt.datetime | None  # planned: the expected end; current: the estimated restoration
    cause: str
    progress: str
    estimated_restoration: dt.datetime | None
    temporary: bool
    changed: bool

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("start", "end", "estimated_restoration"):
            if data[key] is not None:
                data[key] = data[key].astimezone(SHANGHAI).isoformat()
        return data


@dataclass(frozen=True)
class Window:
    county: County | None
    start: dt.date
    end: dt.date | None

    def bounds(self) -> tuple[dt.datetime, dt.datetime | None]:
        start = dt.datetime.combine(self.start, dt.time(), SHANGHAI)
        end = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), SHANGHAI) if self.end else None
        return start, end


def _date(raw: str, name: str) -> dt.date:
    try:
        if len(raw) != 10 or not raw.isascii():
            raise ValueError(raw)
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ServiceError(
            _("%(name)s 应为 YYYY-MM-DD 格式的日期，而不是 %(raw)r") % {"name": name, "raw": raw[:40]}
        ) from None


def window(*, county: str | None, start: str | None, end: str | None, now: dt.datetime | None = None) -> Window:
    """Read the page's and the API's parameters (`county`, `from`, `to`), refusing bad ones with a
    clear message. Without `from`: today; without `to`: open (planned ones up to 30 days ahead)."""
    today = (now or timezone.now()).astimezone(SHANGHAI).date()
    chosen = None
    if county:
        chosen = County.objects.filter(adcode=county).first() if county.isascii() and county.isdigit() else None
        if chosen is None:
            raise ServiceError(_("没有这个县市代码：%(c)r") % {"c": county[:20]})
    first = _date(start, "from") if start else today
    last = _date(end, "to") if end else None
    if last is not None and last < first:
        raise ServiceError(_("to 不能早于 from"))
    if last is not None and (last - first).days > MAX_SPAN_DAYS:
        raise ServiceError(_("查询区间不能超过 %(n)d 天") % {"n": MAX_SPAN_DAYS})
    if not (2000 <= first.year <= 2099):
        raise ServiceError(_("from 超出可查询的年份"))
    return Window(chosen, first, last)


def _latest_steps(events: list[OutageEvent]) -> dict[int, ProgressStep]:
    latest: dict[int, ProgressStep] = {}
    for step in ProgressStep.objects.filter(event__in=events).order_by("at", "pk"):
        latest[step.event_id] = step
    return latest


def _estimates(events: list[OutageEvent]) -> dict[int, dt.datetime]:
    found: dict[int, dt.datetime] = {}
    steps = ProgressStep.objects.filter(event__in=events, estimated_restoration__isnull=False).order_by("at", "pk")
    for step in steps:
        found[step.event_id] = step.estimated_restoration  # type: ignore[assignment]
    return found


def _kind(event_kind: str, cause: str) -> str:
    return "rationing" if cause == OutageCause.RATIONING else event_kind


KIND_LABELS = {
    "planned": OutageKind.PLANNED.label,
    "fault": OutageKind.FAULT.label,
    "rationing": OutageCause.RATIONING.label,
}


def outages(w: Window, *, now: dt.datetime | None = None) -> list[PublicOutage]:
    """Current outages (entered events still open, begun before the window ends) and planned ones
    (announced, overlapping the window), current first, then by start."""
    now = now or timezone.now()
    start, end = w.bounds()
    horizon = end or now + dt.timedelta(days=DEFAULT_DAYS_AHEAD)
    events = OutageEvent.objects.filter(closed_at__isnull=True, start__lt=horizon).select_related("county", "feeder")
    plans = PlannedOutage.objects.filter(status=PlanStatus.ANNOUNCED, end__gte=max(start, now), start__lt=horizon)
    if w.county is not None:
        events = events.filter(county=w.county)
        plans = plans.filter(county=w.county)
    event_list = list(events.order_by("start", "pk"))
    latest = _latest_steps(event_list)
    estimates = _estimates(event_list)
    planned_of = dict(PlannedOutage.objects.filter(event__in=event_list).values_list("event_id", "end"))
    rows: list[PublicOutage] = []
    for e in event_list:
        kind = _kind(e.kind, e.cause)
        step = latest.get(e.pk)
        estimate = estimates.get(e.pk)
        rows.append(
            PublicOutage(
                reference=e.reference,
                county=e.county_id,
                county_name=e.county.name,
                status="current",
                kind=kind,
                kind_label=str(KIND_LABELS[kind]),
                area=e.area or e.feeder.name,
                start=e.start,
                end=estimate or planned_of.get(e.pk),
                cause=faults.cause_words(e),
                progress=step.get_stage_display() if step else "",
                estimated_restoration=estimate,
                temporary=False,
                changed=False,
            )
        )
    for p in plans.select_related("county").order_by("start", "pk"):
        rows.append(
            PublicOutage(
                reference=p.reference,
                county=p.county_id,
                county_name=p.county.name,
                status="planned",
                kind="planned",
                kind_label=str(KIND_LABELS["planned"]),
                area=p.area,
                start=p.start,
                end=p.end,
                cause=p.works,
                progress="",
                estimated_restoration=None,
                temporary=p.temporary,
                changed=p.start_announced_at > p.announced_at or p.late_changes > 0,
            )
        )
    return rows


def by_county(rows: list[PublicOutage]) -> dict[str, tuple[int, int]]:
    """adcode → (current, planned) counts."""
    counts: dict[str, tuple[int, int]] = {}
    for row in rows:
        current, planned = counts.get(row.county, (0, 0))
        counts[row.county] = (current + (row.status == "current"), planned + (row.status == "planned"))
    return counts
