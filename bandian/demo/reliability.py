"""Demo grid and interruption history for the reliability dashboard (run by `manage.py demo`).

The grid: the prefecture's 16 counties, one or two substations each, 10 kV feeders of the four
area classes (Kaili has central and urban feeders; a few county seats urban ones; the rest town
and rural), about 3,500 MV users (public transformers and some 10 kV customers with their own
transformer) and a couple of LV customers per public transformer. Some users are connected or
taken out of service in the middle of a year.

The history, 2020 to the demo's "now" (`bandian.demo.applications.DEMO_NOW`): planned and fault
outages on whole feeders or on branches, restored in steps, overlapping ones, momentary ones, a
few crossing the new year, causes internal, external and rationing (the autumn 2021 and summer
2022 power shortages, a June 2024 storm). They are per-user §5 rows (as if imported from the
former outage system), and a few recent Kaili events are entered in the back office with their
restoration steps, so the event pages have real examples.

Nothing is written here directly: the grid goes through the grid's own CSV loader
(`grid_files_load`, as of 2020-01-01), the history through the §5 import (`import_interruptions`,
as of the demo's "now") and the entered events through the outage services (`event_create`,
`restoration_add`, `event_close`, each at the time it describes), so the change history records
them like any other load.

The story, relative to the policy's targets (so it holds for any policy): 2020 poor; 2021 every
class meets its target but rural, which misses narrowly; 2022 town misses the stricter target;
then steady improvement, with 2026 (to date) on course everywhere. Each (area class, year)'s
average outage hours are made to hit the story by scaling the outage durations of that class and
year, computed with the engine itself (a few rounds), so the story does not depend on the size.

Seeded random: the same data every time.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import polars as pl
from django.db import transaction

from bandian.accounts.models import County, Role, User
from bandian.accounts.services import user_create
from bandian.core.time import SHANGHAI, year_bounds
from bandian.demo import applications as app_demo
from bandian.grid import services as grid_services
from bandian.grid.enums import MVUserKind, Ownership
from bandian.grid.models import Feeder, MVUser, Substation, Transformer
from bandian.outages import services as outage_services
from bandian.outages.enums import OutageCause, OutageKind
from bandian.outages.importer import import_interruptions
from bandian.outages.records import INTERRUPTIONS_SCHEMA, USERS_SCHEMA
from bandian.policy.areas import AREA_CLASSES
from bandian.policy.loader import active_policy
from bandian.reliability import engine

SEED = 20_211_231
NOW = app_demo.DEMO_NOW
FIRST_YEAR = 2020
YEARS = tuple(range(FIRST_YEAR, NOW.year + 1))
GRID_USERNAME = "kaili-grid"
KAILI = "522601"
BATCH = 2000

# Average outage hours of each class, as a share of that year's target (2020 has none: the 2021
# target). 2021 rural and 2022 town miss; 2024 rural nearly does (a storm).
STORY: dict[str, dict[int, float]] = {
    "central": {2020: 1.48, 2021: 0.84, 2022: 0.89, 2023: 0.82, 2024: 0.76, 2025: 0.70, 2026: 0.64},
    "urban": {2020: 1.42, 2021: 0.86, 2022: 0.90, 2023: 0.84, 2024: 0.80, 2025: 0.74, 2026: 0.68},
    "town": {2020: 1.47, 2021: 0.89, 2022: 1.09, 2023: 0.92, 2024: 0.88, 2025: 0.83, 2026: 0.79},
    "rural": {2020: 1.39, 2021: 1.05, 2022: 0.93, 2023: 0.89, 2024: 0.94, 2025: 0.84, 2026: 0.79},
}
FALLBACK_TARGET = {"central": 1.9, "urban": 4.9, "town": 8.9, "rural": 15.0}
# Sustained interruptions per user in 2020 (fewer later, with the hours).
BASE_SAIFI = {"central": 0.9, "urban": 1.5, "town": 2.4, "rural": 3.6}
USERS_PER_FEEDER = {"central": 30, "urban": 34, "town": 38, "rural": 42}
# Faults are likelier in the summer storms and the winter ice (凝冻).
MONTH_WEIGHTS = [1.4, 1.0, 0.8, 1.0, 1.3, 1.6, 1.7, 1.5, 1.0, 0.8, 0.8, 1.1]
URBAN_SEATS = {"522631", "522632", "522625", "522627"}  # 黎平, 榕江, 镇远, 天柱
PLACES = ["城东", "城西", "城南", "城北", "开发区", "新城", "老城", "工业园", "高铁站", "滨江"]
VILLAGES = ["长青", "新寨", "平寨", "高坡", "河坝", "岩寨", "大塘", "坪上", "龙井", "白岩", "水口", "乌江"]
COMPANIES = ["水泥厂", "自来水厂", "人民医院", "中学", "木材加工厂", "茶叶公司", "酒店", "商贸城", "污水处理厂"]
LV_NAMES = ["杨家小卖部", "吴氏民宿", "龙记米粉", "潘家农家乐", "石氏养殖场", "王家住宅", "欧阳超市"]


@dataclass
class _User:
    user_id: str
    feeder: int  # index into the feeders
    transformer: int
    kind: str
    name: str
    in_from: dt.date | None
    in_to: dt.date | None

    def in_service(self, day: dt.date) -> bool:
        return (self.in_from is None or self.in_from <= day) and (self.in_to is None or day <= self.in_to)


# The demo feeders' peak load as a share of their rating, in turn (no random draw: the rest of
# the demo's data stays as it was): mostly with room, some nearly full (the public access
# capacity map shows all three states).
PEAK_SHARES = (0.55, 0.48, 0.66, 0.58, 0.74, 0.52, 0.93, 0.61, 0.45, 0.83)
SUBSTATION_KVA = {110: 63_000, 35: 20_000}
# Counties whose feeders are more loaded than the rest (amber and red on the map).
BUSY_COUNTIES = {"522622": 1.3, "522627": 1.45, "522631": 1.2, "522634": 1.6}


@dataclass
class _Feeder:
    code: str
    name: str
    county: str
    substation: int
    area: str
    capacity: int
    users: list[int] = field(default_factory=list)  # indexes into the users, in transformer order


@dataclass
class _Transformer:
    code: str
    name: str
    feeder: int
    ownership: str
    capacity: int


@dataclass
class _Event:
    event_id: str
    feeder: int
    kind: str
    cause: str
    start: dt.datetime
    seconds: float  # the last user's restoration after the start (scaled by the calibration)
    groups: list[tuple[list[int], float]]  # users restored together, at this share of `seconds`
    momentary: bool = False
    entered: bool = False  # entered through the outage services (not scaled)
    transformers: list[int] = field(default_factory=list)  # entered on these transformers only
    description: str = ""

    @property
    def year(self) -> int:
        return self.start.astimezone(SHANGHAI).year

    def ends(self) -> list[tuple[int, dt.datetime]]:
        out: list[tuple[int, dt.datetime]] = []
        for users, share in self.groups:
            end = min(self.start + dt.timedelta(seconds=round(self.seconds * share)), NOW)
            if not self.momentary:  # whole minutes, like a dispatcher's log
                end = max(end.replace(second=0), self.start + dt.timedelta(minutes=4))
            out.extend((u, end) for u in users)
        return out


@dataclass
class DemoGrid:
    substations: list[tuple[str, str, str, int]]  # code, name, county, kV
    feeders: list[_Feeder]
    transformers: list[_Transformer]
    users: list[_User]
    events: list[_Event]


@dataclass
class GridLoadResult:
    loaded: bool
    feeders: int = 0
    users: int = 0
    rows: int = 0
    entered_events: int = 0
    seconds: float = 0.0
    reason: str = ""


def story_hours(area: str, year: int) -> float:
    """The average outage hours the demo aims at for a class and year (the full year for 2026)."""
    policy = active_policy()
    target = policy.reliability_target(year) or policy.reliability_target(year + 1)
    hours = FALLBACK_TARGET[area] if target is None else float(getattr(target, area))
    return STORY[area][year] * hours


def _period(year: int) -> tuple[dt.datetime, dt.datetime]:
    start, end = year_bounds(year)
    return start, min(end, NOW)


class Generator:
    """Draws the demo grid and history; the same seed and policy give the same result."""

    def __init__(self, *, small: bool = False, seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        self.small = small
        self.policy = active_policy()
        self.grid = DemoGrid([], [], [], [], [])
        self.serial = 0

    # The grid.

    def build(self) -> DemoGrid:
        for county in sorted(self.policy.counties):
            self._county(county)
        self._history()
        self._entered()
        self._calibrate()
        return self.grid

    def _county(self, county: str) -> None:
        name = self.policy.counties[county]
        short = name[:-1] if len(name) > 2 else name
        if county == KAILI:
            plan = ["central"] * 4 + ["urban"] * 6 + ["town"] * 3 + ["rural"] * 3
        elif county in URBAN_SEATS:
            plan = ["urban", "town", "town", "rural", "rural", "rural"]
        else:
            plan = ["town", "town", "rural", "rural", "rural"]
        n_subs = 2 if len(plan) >= 6 else 1
        first_sub = len(self.grid.substations)
        for s in range(n_subs):
            kv = 110 if s == 0 else 35
            place = PLACES[s] if county == KAILI or s == 0 else self.rng.choice(VILLAGES)
            self.grid.substations.append((f"{county}-S{s + 1}", f"{short}{place} {kv}kV 变电站", county, kv))
        for i, area in enumerate(plan, start=1):
            sub = first_sub + (0 if area in ("central", "urban") or n_subs == 1 else i % n_subs)
            where = PLACES[i % len(PLACES)] if area in ("central", "urban") else self.rng.choice(VILLAGES)
            feeder = _Feeder(
                code=f"{county}-F{i:02d}",
                name=f"{short}{where}{'ⅠⅡⅢ'[i % 3]}回线",
                county=county,
                substation=sub,
                area=area,
                capacity=self.rng.choice([6_000, 8_000, 10_000]),
            )
            self.grid.feeders.append(feeder)
            self._users(len(self.grid.feeders) - 1, feeder)

    def _users(self, f: int, feeder: _Feeder) -> None:
        base = USERS_PER_FEEDER[feeder.area]
        n = max(4, round(base / 7)) if self.small else base + self.rng.randint(-6, 6)
        n_hv = max(1, round(n * (0.25 if feeder.area in ("central", "urban") else 0.1)))
        for j in range(1, n + 1):
            hv = j > n - n_hv
            code = f"{feeder.code}-{'H' if hv else 'T'}{j:03d}"
            if hv:
                name = f"{self.policy.counties[feeder.county][:-1]}{self.rng.choice(COMPANIES)}专变"
                t = _Transformer(code, name, f, Ownership.CUSTOMER, self.rng.choice([500, 800, 1250, 2000]))
            else:
                name = f"{self.rng.choice(VILLAGES)}{j}号公变"
                t = _Transformer(code, name, f, Ownership.PUBLIC, self.rng.choice([100, 200, 315, 400, 630]))
            self.grid.transformers.append(t)
            in_from = in_to = None
            draw = self.rng.random()
            if draw < 0.09:  # connected during the years shown
                in_from = dt.date(2020, 3, 1) + dt.timedelta(days=self.rng.randint(0, 2400))
            elif draw < 0.12:  # taken out of service
                in_to = dt.date(2020, 6, 1) + dt.timedelta(days=self.rng.randint(0, 2200))
            user = _User(
                user_id=code,
                feeder=f,
                transformer=len(self.grid.transformers) - 1,
                kind=MVUserKind.HV_CUSTOMER if hv else MVUserKind.PUBLIC_TRANSFORMER,
                name=name,
                in_from=in_from,
                in_to=in_to,
            )
            self.grid.users.append(user)
            feeder.users.append(len(self.grid.users) - 1)

    # The history.

    def _id(self, year: int) -> str:
        self.serial += 1
        return f"OMS-{year}-{self.serial:06d}"

    def _moment(self, year: int, *, daytime: bool = False) -> dt.datetime:
        month = self.rng.choices(range(1, 13), weights=MONTH_WEIGHTS)[0]
        day = self.rng.randint(1, 28)
        hour = self.rng.randint(8, 10) if daytime else self.rng.randint(0, 23)
        return dt.datetime(year, month, day, hour, self.rng.choice([0, 10, 20, 30, 40, 50]), tzinfo=SHANGHAI)

    def _affected(self, f: int, at: dt.datetime, share: float) -> list[int]:
        """The users of a branch (a run of consecutive transformers) in service at `at`."""
        users = self.grid.feeders[f].users
        n = len(users)
        size = n if share >= 1 else max(1, round(n * share))
        first = self.rng.randint(0, n - size)
        day = at.astimezone(SHANGHAI).date()
        return [u for u in users[first : first + size] if self.grid.users[u].in_service(day)]

    def _groups(self, users: list[int], steps: int) -> list[tuple[list[int], float]]:
        """Stepwise restoration: sections brought back one after another, the last at share 1."""
        steps = max(1, min(steps, len(users)))
        cuts = sorted(self.rng.sample(range(1, len(users)), steps - 1)) if steps > 1 else []
        bounds = [0, *cuts, len(users)]
        shares = [*sorted(self.rng.uniform(0.3, 0.9) for _ in range(steps - 1)), 1.0]
        return [(users[a:b], s) for a, b, s in zip(bounds[:-1], bounds[1:], shares, strict=True)]

    def _add(
        self, f: int, *, kind: str, cause: str, start: dt.datetime, hours: float, share: float, steps: int
    ) -> _Event | None:
        if start >= NOW - dt.timedelta(days=2):
            return None
        users = self._affected(f, start, share)
        if not users:
            return None
        event = _Event(self._id(start.year), f, kind, cause, start, hours * 3600, self._groups(users, steps))
        self.grid.events.append(event)
        return event

    def _history(self) -> None:
        rng = self.rng
        for f, feeder in enumerate(self.grid.feeders):
            area = feeder.area
            for year in YEARS:
                saifi = BASE_SAIFI[area] * math.sqrt(STORY[area][year] / STORY[area][FIRST_YEAR])
                expected = saifi / 0.55  # events touch about 55% of a feeder's users on average
                count = int(expected) + (rng.random() < expected % 1)
                for _ in range(count):
                    planned = rng.random() < 0.3
                    whole = rng.random() < 0.35
                    share = 1.0 if whole else rng.uniform(0.2, 0.6)
                    if planned:
                        start = self._moment(year, daytime=True)
                        event = self._add(
                            f,
                            kind=OutageKind.PLANNED,
                            cause=OutageCause.INTERNAL,
                            start=start,
                            hours=rng.uniform(3, 8),
                            share=share,
                            steps=rng.choice([1, 1, 2]),
                        )
                        if event is not None and rng.random() < 0.25:  # a fault during the planned work
                            users = [u for u, _ in event.ends()]
                            hit = users[: max(1, len(users) // 2)]
                            at = start + dt.timedelta(seconds=event.seconds * rng.uniform(0.3, 0.8))
                            self.grid.events.append(
                                _Event(
                                    self._id(year),
                                    f,
                                    OutageKind.FAULT,
                                    OutageCause.INTERNAL,
                                    at.replace(second=0),
                                    event.seconds * rng.uniform(0.5, 1.0),
                                    [(hit, 1.0)],
                                )
                            )
                    else:
                        cause = OutageCause.EXTERNAL if rng.random() < 0.25 else OutageCause.INTERNAL
                        self._add(
                            f,
                            kind=OutageKind.FAULT,
                            cause=cause,
                            start=self._moment(year),
                            hours=rng.lognormvariate(1.0, 0.6),
                            share=share,
                            steps=rng.choice([1, 2, 2, 3]),
                        )
                for _ in range(rng.randint(0, 2)):  # momentary: reclosers clearing a transient fault
                    start = self._moment(year)
                    if start >= NOW - dt.timedelta(days=2):
                        continue
                    users = self._affected(f, start, 1.0 if rng.random() < 0.3 else rng.uniform(0.2, 0.6))
                    if users:
                        cause = OutageCause.EXTERNAL if rng.random() < 0.4 else OutageCause.INTERNAL
                        self.grid.events.append(
                            _Event(
                                self._id(year),
                                f,
                                OutageKind.FAULT,
                                cause,
                                start,
                                rng.randint(5, 170),
                                [(users, 1.0)],
                                momentary=True,
                            )
                        )
            self._specials(f, feeder)

    def _specials(self, f: int, feeder: _Feeder) -> None:
        """The shortages, the storm and the new-year ice of the story."""
        rng = self.rng
        if feeder.area in ("town", "rural"):
            for _ in range(rng.randint(1, 3)):  # autumn 2021 power shortage (限电)
                start = dt.datetime(2021, 9, rng.randint(20, 30), rng.choice([9, 14, 18]), 0, tzinfo=SHANGHAI)
                self._add(
                    f,
                    kind=OutageKind.PLANNED,
                    cause=OutageCause.RATIONING,
                    start=start,
                    hours=rng.uniform(2, 4),
                    share=1.0,
                    steps=1,
                )
            if rng.random() < 0.5:  # summer 2022 drought: too little hydropower
                start = dt.datetime(2022, 8, rng.randint(10, 25), rng.choice([10, 15, 19]), 0, tzinfo=SHANGHAI)
                self._add(
                    f,
                    kind=OutageKind.PLANNED,
                    cause=OutageCause.RATIONING,
                    start=start,
                    hours=rng.uniform(2, 5),
                    share=1.0,
                    steps=1,
                )
            if rng.random() < 0.45:  # the June 2024 storm
                start = dt.datetime(2024, 6, 18, rng.randint(16, 20), rng.choice([0, 20, 40]), tzinfo=SHANGHAI)
                self._add(
                    f,
                    kind=OutageKind.FAULT,
                    cause=OutageCause.EXTERNAL,
                    start=start,
                    hours=rng.uniform(8, 16),
                    share=1.0,
                    steps=3,
                )
        if feeder.area == "rural" and rng.random() < 0.3:  # ice on the lines across the new year
            for year in YEARS[:-1]:
                if rng.random() < 0.4:
                    start = dt.datetime(year, 12, 31, rng.randint(18, 22), 0, tzinfo=SHANGHAI)
                    self._add(
                        f,
                        kind=OutageKind.FAULT,
                        cause=OutageCause.EXTERNAL,
                        start=start,
                        hours=rng.uniform(8, 14),
                        share=rng.uniform(0.5, 1.0),
                        steps=2,
                    )

    def _entered(self) -> None:
        """A few recent Kaili events, entered through the services with their restoration steps."""
        kaili = [f for f, feeder in enumerate(self.grid.feeders) if feeder.county == KAILI]
        by_area = {area: [f for f in kaili if self.grid.feeders[f].area == area] for area in AREA_CLASSES}
        plans: list[tuple[str, int, str, str, tuple[int, int, int, int, int], list[float | None], int, str]] = [
            # area, nth feeder, kind, cause, start, step shares in hours, transformers (first n) or whole, note
            (
                "urban",
                0,
                "fault",
                "internal",
                (2026, 10, 9, 14, 25),
                [0.8, 1.6, 2.5],
                0,
                "电缆中间头击穿，分段隔离后逐段恢复",
            ),
            ("central", 1, "planned", "internal", (2026, 10, 17, 8, 30), [5.0], 3, "配变增容改造，提前七天公告"),
            ("town", 0, "fault", "external", (2026, 10, 26, 19, 5), [1.2, 3.4], 0, "施工车辆碰断电杆"),
            ("rural", 0, "fault", "internal", (2026, 11, 8, 22, 40), [2.0, 6.5], 0, "雷击避雷器损坏，跨夜抢修"),
            ("urban", 1, "planned", "internal", (2026, 11, 19, 9, 0), [6.0], 4, "线路迁改配合道路施工"),
            ("urban", 1, "fault", "internal", (2026, 11, 19, 13, 10), [1.5, 3.0], 0, "计划停电期间相邻段故障跳闸"),
            ("rural", 1, "fault", "external", (2026, 11, 27, 21, 30), [1.5, None], 0, "山体滑坡倒杆，抢修中"),
        ]
        for area, nth, kind, cause, when, steps, n_trans, note in plans:
            f = by_area[area][nth % len(by_area[area])]
            start = dt.datetime(*when, tzinfo=SHANGHAI)
            day = start.date()
            users = [u for u in self.grid.feeders[f].users if self.grid.users[u].in_service(day)]
            transformers: list[int] = []
            if n_trans:
                users = users[:n_trans]
                transformers = [self.grid.users[u].transformer for u in users]
            hours = [h for h in steps if h is not None]
            last = max(hours)
            sizes = [len(users) // len(steps)] * len(steps)
            sizes[-1] = len(users) - sum(sizes[:-1])
            groups: list[tuple[list[int], float]] = []
            at = 0
            for size, h in zip(sizes, steps, strict=True):
                if h is not None:
                    groups.append((users[at : at + size], h / last))
                at += size
            self.grid.events.append(
                _Event(
                    f"entered-{len(self.grid.events)}",
                    f,
                    kind,
                    cause,
                    start,
                    last * 3600,
                    groups,
                    entered=True,
                    transformers=transformers,
                    description=note,
                )
            )

    # The calibration.

    def frames(self) -> tuple[pl.DataFrame, pl.DataFrame]:
        users = pl.DataFrame(
            {
                "user_id": [u.user_id for u in self.grid.users],
                "area_class": [self.grid.feeders[u.feeder].area for u in self.grid.users],
                "county": [self.grid.feeders[u.feeder].county for u in self.grid.users],
                "in_service_from": [u.in_from for u in self.grid.users],
                "in_service_to": [u.in_to for u in self.grid.users],
            },
            schema=USERS_SCHEMA,
        )
        ids, who, starts, ends, kinds, causes = [], [], [], [], [], []
        for e in self.grid.events:
            for u, end in e.ends():
                ids.append(e.event_id)
                who.append(self.grid.users[u].user_id)
                starts.append(e.start)
                ends.append(end)
                kinds.append(e.kind)
                causes.append(e.cause)
        rows = pl.DataFrame(
            {"event_id": ids, "user_id": who, "start": starts, "end": ends, "kind": kinds, "cause": causes},
            schema=INTERRUPTIONS_SCHEMA,
        )
        return users, rows

    def _calibrate(self, rounds: int = 4) -> None:
        """Scale each (class, year)'s sustained durations until its hours match the story."""
        for _ in range(rounds):
            users, rows = self.frames()
            factors: dict[tuple[str, int], float] = {}
            for year in YEARS:
                start, end = _period(year)
                report = engine.compute(users, rows, start=start, end=end)
                share = (end - start) / (year_bounds(year)[1] - start)
                for area in AREA_CLASSES:
                    got = report.by_area[area].saidi_hours
                    if got:
                        factors[(area, year)] = story_hours(area, year) * share / got
            for e in self.grid.events:
                if not (e.momentary or e.entered):
                    factor = factors.get((self.grid.feeders[e.feeder].area, e.year), 1.0)
                    e.seconds = max(e.seconds * factor, 600)


def generate(*, small: bool = False) -> DemoGrid:
    return Generator(small=small).build()


def grid_exists() -> bool:
    return Substation.objects.exists() or Feeder.objects.exists() or MVUser.objects.exists()


def _grid_login(county: County) -> User | None:
    """The demo's grid operator (运检人员) of Kaili, unless that username is taken."""
    if User.objects.filter(username=GRID_USERNAME).exists():
        return User.objects.filter(username=GRID_USERNAME, email__endswith="@" + app_demo.DEMO_EMAIL_DOMAIN).first()
    return user_create(
        username=GRID_USERNAME,
        role=Role.GRID_OPERATOR,
        county=county,
        display_name="龙建国（凯里市运检人员）",
        email=f"{GRID_USERNAME}@{app_demo.DEMO_EMAIL_DOMAIN}",
        password=app_demo.PASSWORD,
    )


def load_grid_demo(*, small: bool = False, progress: Callable[[str], None] | None = None) -> GridLoadResult:
    """Load the demo grid and history once (nothing when the grid holds data); the grid operator's
    login is added whenever it is missing."""
    started = time.monotonic()
    counties = {c.adcode: c for c in County.objects.filter(adcode__in=list(active_policy().counties))}
    if KAILI not in counties:
        return GridLoadResult(False, reason="the counties are missing (run migrate)")
    with transaction.atomic():
        operator = _grid_login(counties[KAILI])
        if grid_exists():
            return GridLoadResult(False, seconds=time.monotonic() - started, reason="the grid holds data already")
        grid = generate(small=small)
        if progress is not None:
            progress(f"loading the demo grid: {len(grid.users)} MV users, {len(grid.events)} outage events")
        rows = _write(grid, counties, operator)
    entered = sum(e.entered for e in grid.events)
    return GridLoadResult(True, len(grid.feeders), len(grid.users), rows, entered, time.monotonic() - started)


def _csv(header: list[str], rows: Sequence[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return out.getvalue().encode()


def _grid_files(grid: DemoGrid) -> dict[str, bytes]:
    """The demo grid as the five CSV files of docs/grid.md, for the grid's own loader."""
    feeders, transformers = grid.feeders, grid.transformers
    lv_rng = random.Random(SEED + 1)
    lv_rows = [
        [f"{u.user_id}-{k:02d}", lv_rng.choice(LV_NAMES), transformers[u.transformer].code, feeders[u.feeder].county]
        for u in grid.users
        if u.kind == MVUserKind.PUBLIC_TRANSFORMER
        for k in range(1, 3)
    ]
    peaks = [
        int(f.capacity * min(PEAK_SHARES[i % len(PEAK_SHARES)] * BUSY_COUNTIES.get(f.county, 1.0), 0.97))
        for i, f in enumerate(feeders)
    ]
    sub_peak = [0] * len(grid.substations)
    for f, peak in zip(feeders, peaks, strict=True):
        sub_peak[f.substation] += peak
    return {
        "substations": _csv(
            ["code", "name", "county", "voltage_kv", "rated_capacity_kva", "peak_load_kva"],
            [
                # Main transformers: 2 × 31.5 MVA at 110 kV, 2 × 10 MVA at 35 kV; peak with diversity.
                [c, n, k, kv, SUBSTATION_KVA[kv], int(sub_peak[i] * 0.85)]
                for i, (c, n, k, kv) in enumerate(grid.substations)
            ],
        ),
        "feeders": _csv(
            ["code", "name", "substation", "county", "area_class", "rated_capacity_kva", "peak_load_kva"],
            [
                [
                    f.code,
                    f.name,
                    grid.substations[f.substation][0],
                    f.county,
                    f.area,
                    f.capacity,
                    peak,
                ]
                for f, peak in zip(feeders, peaks, strict=True)
            ],
        ),
        "transformers": _csv(
            ["code", "name", "feeder", "ownership", "capacity_kva", "county", "area_class"],
            [
                [
                    t.code,
                    t.name,
                    feeders[t.feeder].code,
                    t.ownership,
                    t.capacity,
                    feeders[t.feeder].county,
                    feeders[t.feeder].area,
                ]
                for t in transformers
            ],
        ),
        "mv_users": _csv(
            [
                "user_id",
                "kind",
                "name",
                "feeder",
                "transformer",
                "county",
                "area_class",
                "in_service_from",
                "in_service_to",
            ],
            [
                [
                    u.user_id,
                    u.kind,
                    u.name,
                    feeders[u.feeder].code,
                    transformers[u.transformer].code,
                    feeders[u.feeder].county,
                    feeders[u.feeder].area,
                    u.in_from.isoformat() if u.in_from else None,
                    u.in_to.isoformat() if u.in_to else None,
                ]
                for u in grid.users
            ],
        ),
        "lv_customers": _csv(["account_no", "name", "transformer", "county"], lv_rows),
    }


def _interruptions_file(grid: DemoGrid) -> bytes:
    """The history not entered in the back office, as a §5 interruptions file (Parquet)."""
    rows = [
        (e.event_id, grid.users[u].user_id, e.start, end, e.kind, e.cause)
        for e in grid.events
        if not e.entered
        for u, end in e.ends()
    ]
    frame = pl.DataFrame(rows, schema=INTERRUPTIONS_SCHEMA, orient="row")
    out = io.BytesIO()
    frame.write_parquet(out)
    return out.getvalue()


def _write(grid: DemoGrid, counties: dict[str, County], operator: User | None) -> int:
    """Everything through the public write paths: the grid's CSV loader, the §5 interruptions
    import and, for the events entered in the back office, the outage services, each at the
    time it describes."""
    reports = grid_services.grid_files_load(files=_grid_files(grid), actor=None, at=year_bounds(FIRST_YEAR)[0])
    problems = [f"{r.name}: {e}" for r in reports for e in r.errors]
    if problems:
        raise RuntimeError("the demo grid does not load: " + "; ".join(problems[:5]))
    history = import_interruptions(_interruptions_file(grid), "demo-interruptions.parquet", at=NOW)
    if history.interruptions.errors:
        raise RuntimeError("the demo history does not load: " + "; ".join(history.interruptions.errors[:5]))
    written = history.interruptions.created
    by_code = {f.code: f for f in Feeder.objects.filter(code__in=[f.code for f in grid.feeders])}
    feeders = [by_code[f.code] for f in grid.feeders]
    by_code_t = {t.code: t for t in Transformer.objects.filter(code__in=[t.code for t in grid.transformers])}
    transformers = [by_code_t[t.code] for t in grid.transformers]
    by_id = {u.user_id: u for u in MVUser.objects.filter(user_id__in=[u.user_id for u in grid.users])}
    mv_users = [by_id[u.user_id] for u in grid.users]
    for e in (e for e in grid.events if e.entered):
        event = outage_services.event_create(
            feeder=feeders[e.feeder],
            transformers=[transformers[t] for t in e.transformers],
            kind=e.kind,
            cause=e.cause,
            start=e.start,
            description=e.description,
            actor=operator,
            at=e.start,  # entered as it began
        )
        at = e.start
        for users, share in e.groups:
            at = e.start + dt.timedelta(seconds=round(e.seconds * share))
            restored = [mv_users[u] for u in users]
            outage_services.restoration_add(event=event, at=at, users=restored, note="", actor=operator, recorded_at=at)
        if sum(len(users) for users, _ in e.groups) == event.affected_users.count():
            outage_services.event_close(event=event, actor=operator, at=at)
        written += event.affected_users.count()
    return written
