"""Grid access capacity (接入能力, 任务9): what each feeder and substation can still take.

For every feeder: its rated capacity and peak load (the grid model), the capacity reserved by the
applications in progress on it — an application names its feeder when its supply plan is
answered (`Application.feeder`, the `plan` step) and reserves its capacity until it is energised
(its load is then part of the measured peak), withdrawn or cancelled — and the headroom left, with
a status from the policy's `[capacity]` thresholds. A substation has its own rating and peak, and
reserves what its feeders reserve. A county adds up its feeders.

One selector, `capacity_report`, feeds the public page, `GET /api/v1/public/capacity`, the CSV
and the apply form's check (`county_check`). Three queries, whatever the size of the grid.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from bandian.accounts.models import County
from bandian.applications.enums import Status
from bandian.applications.models import Application
from bandian.grid.enums import AREA_LABELS
from bandian.grid.models import Change, Feeder, Substation
from bandian.policy.capacity import AccessCapacity
from bandian.policy.loader import active_policy

STATUSES = ("red", "amber", "green", "unknown")  # constrained first
COLOURS = {"green": "#2da44e", "amber": "#e3b341", "red": "#cf222e", "unknown": "#c9d1d9"}


def status_label(status: str) -> str:
    return {"green": _("充裕"), "amber": _("较紧张"), "red": _("受限"), "unknown": _("暂无数据")}[status]


def _share(headroom: float | None, rated: float | None) -> float | None:
    if headroom is None or not rated:
        return None
    return round(headroom / rated, 4)


@dataclass(frozen=True)
class Line:
    """One feeder or substation. kVA throughout; `headroom_*` None when the peak load is unknown."""

    level: str  # "feeder" or "substation"
    code: str
    name: str
    county: str
    county_name: str
    substation: str  # a feeder's substation code; "" for a substation
    area_class: str
    rated_capacity_kva: int | None
    peak_load_kva: int | None
    reserved_kva: float
    reserving_applications: int
    headroom_kva: float | None
    headroom_share: float | None
    status: str

    @property
    def status_label(self) -> str:
        return status_label(self.status)

    @property
    def area_label(self) -> str:
        return str(AREA_LABELS.get(self.area_class, ""))


@dataclass
class CountyCapacity:
    adcode: str
    name: str
    rated_capacity_kva: int = 0
    headroom_kva: float = 0.0
    headroom_share: float | None = None
    status: str = "unknown"
    largest_feeder_headroom_kva: float = 0.0  # the most one new connection could take at once
    feeders: list[Line] = field(default_factory=list)
    substations: list[Line] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return status_label(self.status)

    @property
    def constrained(self) -> int:
        return sum(1 for f in self.feeders if f.status == "red")


@dataclass(frozen=True)
class CapacityReport:
    generated_at: dt.datetime
    grid_updated_at: dt.datetime | None  # the latest recorded change of a feeder or substation
    policy: str
    thresholds: AccessCapacity
    counties: list[CountyCapacity]

    def county(self, adcode: str) -> CountyCapacity | None:
        return next((c for c in self.counties if c.adcode == adcode), None)

    def lines(self) -> list[Line]:
        return [line for c in self.counties for line in (*c.substations, *c.feeders)]


def _line(
    level: str,
    *,
    code: str,
    name: str,
    county: str,
    county_name: str,
    substation: str,
    area_class: str,
    rated: int | None,
    peak: int | None,
    reserved: float,
    reserving: int,
    rules: AccessCapacity,
) -> Line:
    headroom = None if rated is None or peak is None else round(rated - peak - reserved, 1)
    share = _share(headroom, rated)
    return Line(
        level, code, name, county, county_name, substation, area_class, rated, peak, round(reserved, 1), reserving,
        headroom, share, rules.status(share),
    )  # fmt: skip


def _order(line: Line) -> tuple[int, float, str]:
    """Constrained first, then by the share left (least first), then by code."""
    share = line.headroom_share if line.headroom_share is not None else 2.0
    return (STATUSES.index(line.status), share, line.code)


def reserved_by_feeder(power_factor: float) -> dict[int, tuple[float, int]]:
    """{feeder id: (kVA reserved, applications)} of the applications in progress on a feeder."""
    rows = (
        Application.objects.filter(feeder__isnull=False, status__in=Status.open_states())
        .values("feeder_id")
        .annotate(kw=Sum("capacity_kw"), n=Count("id"))
        .values_list("feeder_id", "kw", "n")
    )
    return {pk: (float(kw or Decimal(0)) / power_factor, n) for pk, kw, n in rows}


def grid_updated_at() -> dt.datetime | None:
    types = ContentType.objects.get_for_models(Feeder, Substation).values()
    return Change.objects.filter(content_type__in=list(types)).aggregate(at=Max("at"))["at"]


def capacity_report(*, county: str | None = None, now: dt.datetime | None = None) -> CapacityReport:
    """The access capacity of every county (or of one), its feeders constrained first."""
    policy = active_policy()
    rules = policy.capacity
    names = dict(County.objects.values_list("adcode", "name"))
    reserved = reserved_by_feeder(rules.power_factor)
    feeders = Feeder.objects.select_related("substation").order_by("code")
    substations = Substation.objects.order_by("code")
    if county is not None:
        feeders = feeders.filter(county_id=county)
        substations = substations.filter(county_id=county)
    counties = {code: CountyCapacity(code, name) for code, name in names.items() if county is None or code == county}
    by_substation: dict[int, float] = defaultdict(float)
    by_substation_n: dict[int, int] = defaultdict(int)
    for f in feeders:
        kva, n = reserved.get(f.pk, (0.0, 0))
        by_substation[f.substation_id] += kva
        by_substation_n[f.substation_id] += n
        line = _line(
            "feeder", code=f.code, name=f.name, county=f.county_id, county_name=names.get(f.county_id, ""),
            substation=f.substation.code, area_class=f.area_class, rated=f.rated_capacity_kva,
            peak=f.peak_load_kva, reserved=kva, reserving=n, rules=rules,
        )  # fmt: skip
        counties[f.county_id].feeders.append(line)
    for s in substations:
        line = _line(
            "substation", code=s.code, name=s.name, county=s.county_id, county_name=names.get(s.county_id, ""),
            substation="", area_class="", rated=s.rated_capacity_kva, peak=s.peak_load_kva,
            reserved=by_substation[s.pk], reserving=by_substation_n[s.pk], rules=rules,
        )  # fmt: skip
        counties[s.county_id].substations.append(line)
    for c in counties.values():
        known = [f for f in c.feeders if f.headroom_kva is not None]
        c.rated_capacity_kva = sum(f.rated_capacity_kva or 0 for f in known)
        c.headroom_kva = round(sum(max(f.headroom_kva or 0.0, 0.0) for f in known), 1)
        c.headroom_share = _share(c.headroom_kva, c.rated_capacity_kva) if known else None
        c.status = rules.status(c.headroom_share)
        c.largest_feeder_headroom_kva = max((f.headroom_kva or 0.0 for f in known), default=0.0)
        c.feeders.sort(key=_order)
        c.substations.sort(key=_order)
    return CapacityReport(
        generated_at=now or timezone.now(),
        grid_updated_at=grid_updated_at(),
        policy=policy.policy.name,
        thresholds=rules,
        counties=list(counties.values()),
    )


@dataclass(frozen=True)
class Check:
    """Whether a county can take a new connection of some capacity: how many of its feeders have
    the headroom for it, and the most any one has."""

    county: str
    county_name: str
    capacity_kw: float
    needed_kva: float
    feeders_with_room: int
    largest_headroom_kva: float
    known: bool  # the county has feeders with a known peak load

    @property
    def fits(self) -> bool:
        return self.feeders_with_room > 0


def county_check(county: str, capacity_kw: float) -> Check | None:
    """The apply form's answer for `county` (None: no such county)."""
    report = capacity_report(county=county)
    found = report.county(county)
    if found is None:
        return None
    needed = capacity_kw / report.thresholds.power_factor
    known = [f for f in found.feeders if f.headroom_kva is not None]
    with_room = sum(1 for f in known if (f.headroom_kva or 0.0) >= needed)
    return Check(
        county, found.name, capacity_kw, round(needed, 1), with_room, found.largest_feeder_headroom_kva, bool(known)
    )


CSV_FIELDS = (
    "level",
    "county",
    "county_name",
    "code",
    "name",
    "substation",
    "area_class",
    "rated_capacity_kva",
    "peak_load_kva",
    "reserved_kva",
    "reserving_applications",
    "headroom_kva",
    "headroom_share",
    "status",
)


def csv_row(line: Line) -> list[object]:
    """One line as the CSV's columns (CSV_FIELDS; empty for an unknown figure)."""
    return ["" if getattr(line, name) is None else getattr(line, name) for name in CSV_FIELDS]
