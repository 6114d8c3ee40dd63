"""Demo data: staff for every county, a login for every role and ~3,000 applications, 2021–2026.

The applications are generated as records of the interchange format (requirements §5) by a
seeded random generator over fixed dates, so the data is the same on every run, and loaded
through the importer (the same hash-chained event path as everything else). Each generated
timeline is checked against the pure clocks before it is kept, so that "on time", "late",
"nearly due" and "overdue" mean what they say on the working-day calendar.

Nothing here writes an application directly: `load_demo` checks every record with the importer's
`validate_record` and plans it with `plan_record` (as `manage.py import_applications` does), has
`applications.services.history_attribute` make it an application kept in bandian from the start
(channel, applicant, managers, who did each step), and writes them in bulk through
`applications.services.import_histories`, the write path of the bulk import.
The staff usernames are made for the counties of the Qiandongnan policy (`COUNTY_SLUGS`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import itertools
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from bandian.accounts.models import County, Role, User
from bandian.accounts.services import NewUser, users_create
from bandian.applications.clocks import Clocks, TimelineEvent, compute_clocks
from bandian.applications.enums import Status
from bandian.applications.importer import Lookups, RecordError, plan_record, validate_record
from bandian.applications.models import Application
from bandian.applications.services import (
    History,
    decide_eligibility,
    derive_history,
    history_attribute,
    import_histories,
)
from bandian.core.identity import applicant_ref
from bandian.core.time import SHANGHAI
from bandian.policy.loader import active_policy
from bandian.policy.schema import Policy, PolicyGap
from bandian.workdays.calendar import DAY, CalendarYearMissing, WorkCalendar
from bandian.workdays.selectors import get_calendar

# The instant the demo data describes: everything happened before it; applications still open
# are overdue, nearly due or in time relative to it.
DEMO_NOW = dt.datetime(2026, 11, 28, 0, 0, tzinfo=SHANGHAI)  # the end of Friday 2026-11-27
FIRST_DAY = dt.date(2021, 3, 1)
SEED = 20210713  # the day the plan was issued
PASSWORD = "bandian-demo"
SIZES = {"full": 3000, "small": 150}

# Pinyin slugs of the counties, for staff usernames.
COUNTY_SLUGS = {
    "522601": "kaili",
    "522622": "huangping",
    "522623": "shibing",
    "522624": "sansui",
    "522625": "zhenyuan",
    "522626": "cengong",
    "522627": "tianzhu",
    "522628": "jinping",
    "522629": "jianhe",
    "522630": "taijiang",
    "522631": "liping",
    "522632": "rongjiang",
    "522633": "congjiang",
    "522634": "leishan",
    "522635": "majiang",
    "522636": "danzhai",
}

APPLICANT_USERNAME = "13800138000"
APPLICANT_ID_NUMBER = "522601199001011234"
SUPERVISOR_USERNAME = "supervisor"
ADMIN_USERNAME = "admin"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗龙潘石"
GIVEN = [*"伟芳娜敏静丽强磊军洋勇艳杰涛明超霞平刚", "桂英"]
STREETS = ["北京东路", "韶山南路", "文化北路", "宁波路", "营盘东路", "永丰路", "清江路", "环城路", "新华路", "民主路"]
TOWNS = ["城关", "新州", "平永", "古州", "丙妹", "龙场", "舟溪", "旁海", "三棵树", "湾水"]
VILLAGES = ["长青", "新寨", "平寨", "高坡", "河坝", "岩寨", "大塘", "坪上"]
PAUSE_NOTES = {
    "customer_not_ready": "客户受电工程尚未完工，客户签字确认暂缓接电",
    "customer_requested_date": "客户书面要求推迟至约定日期办理",
    "customer_works": "客户自建配电设施施工中，现场照片已存档",
    "awaiting_document": "客户尚未提供规定的产权证明，已短信告知",
}
CANCEL_NOTES = ["现场不具备接电条件且客户放弃", "重复申请", "用电地址不在供电区域内"]
EXTENDED_BOUNDARY_REASONS = ["脱贫攻坚项目", "重大风险防范项目", "污染防治项目"]
WITHDRAW_NOTES = ["客户改变用电计划", "客户暂不需要用电", "客户要求修改报装容量后重新申请"]

# How the ~3,000 applications divide among the outcomes (restart pairs count as two).
SCENARIOS = [
    ("energised", 72),
    ("energised_paused", 8),
    ("energised_late", 6),
    ("restart", 3),
    ("withdrawn", 3),
    ("cancelled", 1.5),
    ("open", 2.5),
    ("open_nearly_due", 1.5),
    ("open_overdue", 1.5),
    ("open_paused", 1),
]
# The share of a step's limit each step takes, by scenario (a late step takes more, see _events).
SHARES = {
    "energised": (0.15, 0.85),
    "open": (0.3, 1.0),
    "open_nearly_due": (0.9, 1.4),
    "open_overdue": (1.3, 3.0),
    "open_paused": (0.3, 1.0),
}
CLASS_WEIGHTS = {"residential": 45, "lv": 37, "hv_single": 13, "hv_dual": 5}


@dataclass
class DemoRecord:
    """One application as an interchange record plus what the loader needs beside it."""

    record: dict[str, Any]
    scenario: str
    channel: str
    county: str
    owned: bool = False  # owned by the demo applicant login
    manager_index: int = 0  # which of the county's two customer / project managers
    submitted_at: dt.datetime = field(default=DEMO_NOW)
    restart_of: DemoRecord | None = None
    extended_boundary_reason: str = ""  # high voltage: the grid's investment reaches further


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    county: str
    note: str


def fixed_logins() -> list[DemoLogin]:
    """The logins printed for people trying the demo: one per role."""
    return [
        DemoLogin("applicant", APPLICANT_USERNAME, "-", "申请人（手机号登录），有几件不同状态的申请"),
        DemoLogin("customer_manager", "kaili-cm1", "522601 凯里市", "客户经理"),
        DemoLogin("project_manager", "kaili-pm1", "522601 凯里市", "项目经理"),
        DemoLogin("counter", "kaili-counter", "522601 凯里市", "营业厅柜员"),
        DemoLogin("supervisor", SUPERVISOR_USERNAME, "-", "监管人员（只读）"),
        DemoLogin("grid_operator", "kaili-grid", "522601 凯里市", "运检人员：电网模型、停电事件、供电可靠性"),
        DemoLogin("department", "dept-transport", "-", "审批部门人员：州交通运输局（外线工程审批，/permits/queue/）"),
        DemoLogin("department", "dept-housing", "-", "审批部门人员：州住房城乡建设局"),
        DemoLogin("department", "dept-resources", "-", "审批部门人员：州自然资源局"),
        DemoLogin("department", "dept-service", "-", "审批部门人员：州政务服务中心"),
        DemoLogin("department", "kaili-gov", "522601 凯里市", "审批部门人员：凯里市人民政府"),
        DemoLogin("department", "dept-miit", "-", "责任单位联络员：州工业和信息化局（重点任务台账、问题清单）"),
        DemoLogin("department", "dept-police", "-", "责任单位联络员：州公安局"),
        DemoLogin("department", "dept-market", "-", "责任单位联络员：州市场监管局"),
        DemoLogin("admin", ADMIN_USERNAME, "-", "系统管理员（也可进入 /django-admin/）"),
    ]


def staff_usernames(county: str) -> dict[str, list[str]]:
    slug = COUNTY_SLUGS[county]
    return {
        "customer_manager": [f"{slug}-cm1", f"{slug}-cm2"],
        "project_manager": [f"{slug}-pm1", f"{slug}-pm2"],
        "counter": [f"{slug}-counter"],
    }


def demo_usernames() -> list[str]:
    fixed = [APPLICANT_USERNAME, SUPERVISOR_USERNAME, ADMIN_USERNAME]
    return fixed + [
        name for county in sorted(COUNTY_SLUGS) for names in staff_usernames(county).values() for name in names
    ]


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


# Working-time helpers over the calendar.


def _working_hour(rng: random.Random, day: dt.date) -> dt.datetime:
    minutes = rng.randint(8 * 60 + 40, 17 * 60 + 40)
    return dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=SHANGHAI)


def _next_working_day(cal: WorkCalendar, day: dt.date) -> dt.date:
    return cal.add_workdays(day, 1)


def _after(cal: WorkCalendar, rng: random.Random, t: dt.datetime, workdays: float) -> dt.datetime:
    """About `workdays` of working time after t, moved to office hours of a working day."""
    target = cal.deadline(t, max(workdays, 0.02) * DAY).astimezone(SHANGHAI)
    day = target.date()
    if not cal.is_working_day(day):
        day = _next_working_day(cal, day)
        return max(_working_hour(rng, day).replace(hour=rng.randint(8, 10)), t + dt.timedelta(minutes=10))
    if target.hour < 8:
        return max(target.replace(hour=8, minute=rng.randint(30, 59)), t + dt.timedelta(minutes=10))
    if target.hour >= 18:
        # Late in the evening: the work is recorded the next morning, or the same afternoon.
        earlier = target.replace(hour=17, minute=rng.randint(0, 50))
        if earlier > t + dt.timedelta(minutes=30):
            return earlier
        return _working_hour(rng, _next_working_day(cal, day)).replace(hour=rng.randint(8, 9))
    return target


def _iso(t: dt.datetime) -> str:
    return t.astimezone(SHANGHAI).isoformat(timespec="seconds")


# One application's timeline.


@dataclass
class _Plan:
    """What one application should look like; the timeline is drawn from it."""

    customer_class: str
    county: str
    urban: bool
    capacity_kw: float
    voltage_kv: float
    submitted_at: dt.datetime
    scenario: str


class Generator:
    """Draws demo records; the same seed, calendar and policy give the same records."""

    def __init__(self, *, policy: Policy, cal: WorkCalendar, size: int, seed: int = SEED) -> None:
        self.policy = policy
        self.cal = cal
        self.size = size
        self.rng = random.Random(seed)
        self._serial = 0

    # Pieces.

    def _county(self) -> str:
        codes = sorted(self.policy.counties)
        weights = [6 if c == "522601" else 1 for c in codes]
        return self.rng.choices(codes, weights=weights)[0]

    def _address(self, county: str, urban: bool) -> str:
        name = self.policy.counties[county]
        rng = self.rng
        if urban:
            return f"{name}{rng.choice(STREETS)}{rng.randint(1, 280)}号"
        return f"{name}{rng.choice(TOWNS)}镇{rng.choice(VILLAGES)}村{rng.randint(1, 12)}组{rng.randint(1, 60)}号"

    def _applicant_id(self, county: str) -> str:
        self._serial += 1
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=self.rng.randint(0, 18000))
        number = f"{county}{birth:%Y%m%d}{self._serial % 1000:03d}{self.rng.randint(0, 9)}"
        return applicant_ref(number)

    def _submission_day(self, lo: dt.date, hi: dt.date) -> dt.datetime:
        day = lo + dt.timedelta(days=self.rng.randint(0, max((hi - lo).days, 0)))
        if not self.cal.is_working_day(day) and self.rng.random() < 0.85:
            day = _next_working_day(self.cal, day)
        t = _working_hour(self.rng, day)
        if self.rng.random() < 0.08:  # online, in the evening
            t = t.replace(hour=self.rng.randint(19, 22))
        return t

    def _class_and_size(self, county: str, urban: bool, day: dt.date) -> tuple[str, float, float]:
        rng = self.rng
        kind = rng.choices(list(CLASS_WEIGHTS), weights=list(CLASS_WEIGHTS.values()))[0]
        if kind == "residential":
            kw = float(rng.choice([4, 6, 8, 8, 10, 12, 16]))
            return "residential", kw, 0.22 if kw <= 8 else 0.38
        if kind == "lv":
            kw = float(rng.choice([5, 10, 15, 20, 30, 40, 50, 63, 80, 100, 125, 160]))
            if rng.random() < 0.15:
                kw = float(rng.choice([200, 250, 315, 400]))
            # 三零 or not, as the policy decides on the day of submission.
            cls, _zero, _rule = decide_eligibility(
                self.policy, customer_class="lv_general", day=day, county=county, urban=urban, capacity_kw=kw
            )
            return cls, kw, rng.choice([0.38, 0.4])
        kw = float(rng.choice([315, 400, 500, 630, 800, 1000, 1250, 1600, 2000, 2500, 4000]))
        return kind, kw, 10.0 if rng.random() < 0.9 else 20.0

    # Timelines.

    def _limits(self, plan: _Plan) -> tuple[list[str], dict[str, int], str]:
        rule = self.policy.classes[plan.customer_class]
        limit = self.policy.limit_for(plan.customer_class, plan.submitted_at.date())
        return list(rule.steps), dict(limit.steps), rule.clock

    def _events(self, plan: _Plan, *, upto: dt.datetime | None) -> list[dict[str, Any]]:
        """A timeline for the plan's scenario; open scenarios stop before `upto`."""
        rng = self.rng
        cal = self.cal
        steps, step_limits, _clock = self._limits(plan)
        scenario = plan.scenario
        hv = plan.customer_class.startswith("hv")
        t = plan.submitted_at
        events: list[dict[str, Any]] = [{"at": t, "type": "submitted"}]
        late_step = rng.choice(steps) if scenario == "energised_late" else None
        pause_step = (
            rng.choice(steps) if scenario in ("energised_paused", "open_paused") or rng.random() < 0.05 else None
        )
        stop_after = None
        if scenario in ("withdrawn", "cancelled", "restart_first"):
            stop_after = rng.randint(0, len(steps) - 1)  # steps completed before closing
        approval = plan.customer_class != "lv_sanling" and (
            (hv and rng.random() < 0.55) or (plan.customer_class == "lv_general" and rng.random() < 0.2)
        )
        visits = 0
        if hv:
            visits = rng.choices([0, 1, 2], weights=[55, 42, 3])[0]
        elif plan.customer_class == "lv_sanling" and rng.random() < 0.01:
            visits = 1  # a breach of 零上门, for the supervisors to find
        for i, stage in enumerate(steps):
            if stop_after is not None and i == stop_after:
                close = _after(cal, rng, t, rng.uniform(0.2, 3.0))
                kind = (
                    "cancelled"
                    if scenario == "cancelled" or (scenario == "restart_first" and rng.random() < 0.3)
                    else "withdrawn"
                )
                note = rng.choice(CANCEL_NOTES if kind == "cancelled" else WITHDRAW_NOTES)
                events.append({"at": close, "type": kind, "note": note})
                return events
            limit = step_limits[stage]
            low, high = SHARES.get(scenario, SHARES["energised"])
            share = rng.uniform(1.15, 2.2) if stage == late_step else rng.uniform(low, high)
            budget = limit * share
            if stage == pause_step:
                p_at = _after(cal, rng, t, budget * rng.uniform(0.2, 0.6))
                reason = rng.choice(sorted(self.policy.pause_reasons))
                events.append(
                    {"at": p_at, "type": "paused", "reason": reason, "note": PAUSE_NOTES.get(reason, "客户原因")}
                )
                if scenario == "open_paused":
                    return events
                r_at = _after(cal, rng, p_at, rng.uniform(1.0, 12.0))
                events.append({"at": r_at, "type": "resumed"})
                t_before = t
                t = r_at
                budget = max(budget - cal.working_seconds(t_before, p_at) / DAY, 0.1)
            if approval and stage == steps[-1]:
                voltage = self.policy.classes[plan.customer_class].voltage
                limit_a = self.policy.access_approval_limit(voltage, plan.submitted_at.date())
                a_start = _after(cal, rng, t, min(budget * 0.2, 1.0))
                a_end = _after(cal, rng, a_start, limit_a * rng.uniform(0.2, 1.3 if rng.random() < 0.1 else 0.9))
                events.append({"at": a_start, "type": "approval_started"})
                events.append({"at": a_end, "type": "approval_completed"})
                budget = budget - cal.working_seconds(t, a_start) / DAY
                t = a_end
                budget = max(budget, 0.1)
            if visits and stage in ("apply", "plan"):
                v_at = _after(cal, rng, t, min(budget * 0.3, 0.5))
                events.append({"at": v_at, "type": "visit"})
                visits -= 1
                budget = max(budget - cal.working_seconds(t, v_at) / DAY, 0.1)
                t = v_at
            done = _after(cal, rng, t, budget)
            if upto is not None and done >= upto:
                return events
            events.append({"at": done, "type": "stage_completed", "stage": stage})
            t = done
        return events

    def _check(self, plan: _Plan, events: list[dict[str, Any]], clock_start: dt.datetime | None) -> Clocks | None:
        """The clocks of a drawn timeline, or None when it breaks a rule of the format or the calendar."""
        if any(b["at"] <= a["at"] for a, b in itertools.pairwise(events)):
            return None
        if events[-1]["at"] >= DEMO_NOW:
            return None
        steps, step_limits, clock = self._limits(plan)
        try:
            return compute_clocks(
                [TimelineEvent(e["type"], e["at"], e.get("stage", ""), e.get("reason", "")) for e in events],
                cal=self.cal,
                steps=steps,
                step_limits=step_limits,
                limit_clock=clock,
                now=DEMO_NOW,
                clock_start=clock_start,
            )
        except CalendarYearMissing:
            return None

    def _fits(self, scenario: str, clocks: Clocks) -> bool:
        used, limit = clocks.limit_used_workdays, clocks.limit_workdays
        if scenario in ("energised", "energised_paused", "restart_second"):
            return clocks.status == "energised" and used <= limit
        if scenario == "energised_late":
            return clocks.status == "energised" and used > limit
        if scenario in ("withdrawn", "restart_first"):
            return clocks.status in ("withdrawn", "cancelled")
        if scenario == "cancelled":
            return clocks.status == "cancelled"
        if scenario == "open":
            return clocks.status == "in_progress" and used < 0.8 * limit and clocks.due_at is not None
        if scenario == "open_nearly_due":
            return clocks.status == "in_progress" and 0.8 * limit <= used < limit
        if scenario == "open_overdue":
            return clocks.status == "in_progress" and used > limit
        if scenario == "open_paused":
            return clocks.status == "paused"
        raise ValueError(scenario)

    def _open_start(self, plan: _Plan) -> dt.datetime:
        """A submission time that leaves an open application at the scenario's share of its limit."""
        _steps, step_limits, _clock = self._limits(plan)
        total = sum(step_limits.values())
        share = {
            "open": self.rng.uniform(0.1, 0.7),
            "open_nearly_due": self.rng.uniform(0.82, 0.97),
            "open_overdue": self.rng.uniform(1.1, 2.0),
            "open_paused": self.rng.uniform(0.3, 1.5),
        }[plan.scenario]
        back = max(int(total * share), 1)
        day = self.cal.add_workdays(DEMO_NOW.date(), -back)
        return _working_hour(self.rng, day)

    def draw(
        self, plan_for: Callable[[], _Plan], *, clock_start: dt.datetime | None = None, tries: int = 40
    ) -> tuple[_Plan, list[dict[str, Any]]] | None:
        for _ in range(tries):
            plan = plan_for()
            open_ = plan.scenario.startswith("open")
            if open_:
                plan.submitted_at = self._open_start(plan)
            try:
                events = self._events(plan, upto=DEMO_NOW if open_ else None)
            except CalendarYearMissing:  # ran past the last year the calendar holds
                continue
            clocks = self._check(plan, events, clock_start)
            if clocks is not None and self._fits(plan.scenario, clocks):
                return plan, events
        return None

    def _plan(self, scenario: str) -> _Plan:
        county = self._county()
        urban = self.rng.random() < (0.7 if county == "522601" else 0.45)
        # Up to three weeks before the demo's now; a timeline that would run past it is drawn again.
        submitted = self._submission_day(FIRST_DAY, DEMO_NOW.date() - dt.timedelta(days=20))
        cls, kw, kv = self._class_and_size(county, urban, submitted.date())
        return _Plan(cls, county, urban, kw, kv, submitted, scenario)

    def _record(self, plan: _Plan, events: list[dict[str, Any]], *, applicant_id: str, address: str) -> dict[str, Any]:
        documents = list(self.policy.classes[plan.customer_class].documents)
        return {
            "no": "",  # numbered once every record is drawn, in order of submission
            "customer_class": str(plan.customer_class),
            "county": plan.county,
            "urban": plan.urban,
            "capacity_kw": plan.capacity_kw,
            "voltage_kv": plan.voltage_kv,
            "applicant_id": applicant_id,
            "address": address,
            "documents": documents,
            "events": [{**e, "at": _iso(e["at"])} for e in events],
            "applicant_name": person_name(self.rng),
            "phone": f"1{self.rng.choice('3578')}{self.rng.randint(0, 999999999):09d}",
        }

    def _channel(self, plan: _Plan) -> str:
        counter_share = 0.35 if plan.customer_class == "residential" else 0.2
        return "counter" if self.rng.random() < counter_share else "online"

    def _demo_record(
        self,
        plan: _Plan,
        events: list[dict[str, Any]],
        *,
        owned: bool = False,
        applicant_id: str = "",
        address: str = "",
    ) -> DemoRecord:
        record = self._record(
            plan,
            events,
            applicant_id=applicant_id or self._applicant_id(plan.county),
            address=address or self._address(plan.county, plan.urban),
        )
        if owned:  # the demo applicant's own name and phone number
            del record["applicant_name"], record["phone"]
        return DemoRecord(
            record=record,
            scenario=plan.scenario,
            channel="online" if owned else self._channel(plan),
            county=plan.county,
            owned=owned,
            manager_index=self.rng.randint(0, 1),
            extended_boundary_reason=(
                self.rng.choice(EXTENDED_BOUNDARY_REASONS)
                if plan.customer_class.startswith("hv") and self.rng.random() < 0.06
                else ""
            ),
            submitted_at=plan.submitted_at,
        )

    # The whole set.

    def _restart_pair(self) -> list[DemoRecord]:
        drawn = self.draw(lambda: self._plan("restart_first"))
        if drawn is None:
            return []
        first_plan, first_events = drawn
        applicant_id = self._applicant_id(first_plan.county)
        address = self._address(first_plan.county, first_plan.urban)
        closed = first_events[-1]["at"]

        def second() -> _Plan:
            again = _Plan(**{**first_plan.__dict__, "scenario": "restart_second"})
            # Within the restart window even across the Spring Festival.
            day = closed.date() + dt.timedelta(days=self.rng.randint(2, 20))
            if not self.cal.is_working_day(day):
                day = _next_working_day(self.cal, day)
            again.submitted_at = _working_hour(self.rng, day)
            return again

        # The second application's clocks run from the first submission (requirements §4), so
        # it is measured from there; any outcome will do, it is drawn once more if it would not fit.
        for _ in range(20):
            plan = second()
            plan.scenario = "energised"
            try:
                events = self._events(plan, upto=None)
            except CalendarYearMissing:
                continue
            clocks = self._check(plan, events, first_plan.submitted_at)
            if clocks is not None and clocks.status == "energised":
                plan.scenario = "restart_second"
                first = self._demo_record(first_plan, first_events, applicant_id=applicant_id, address=address)
                again = self._demo_record(plan, events, applicant_id=applicant_id, address=address)
                again.record["applicant_name"] = first.record["applicant_name"]
                again.record["phone"] = first.record["phone"]
                again.restart_of = first
                return [first, again]
        return []

    def _owned(self) -> list[DemoRecord]:
        """The demo applicant's own applications, one of each kind a user would meet."""
        applicant_id = applicant_ref(APPLICANT_ID_NUMBER)
        wanted = [
            ("energised", "residential", 8.0, 0.22, dt.date(2024, 4, 8), dt.date(2024, 4, 20)),
            ("energised_paused", "lv_sanling", 63.0, 0.38, dt.date(2025, 6, 2), dt.date(2025, 6, 30)),
            ("withdrawn", "lv_general", 250.0, 0.4, dt.date(2025, 9, 1), dt.date(2025, 9, 20)),
            ("open", "residential", 10.0, 0.38, None, None),
            ("open_paused", "hv_single", 800.0, 10.0, None, None),
        ]
        records = []
        for n, (scenario, cls, kw, kv, lo, hi) in enumerate(wanted, start=1):
            address = f"凯里市{STREETS[n]}{100 + n}号"

            def plan_for(
                scenario: str = scenario, cls: str = cls, kw: float = kw, kv: float = kv, lo: Any = lo, hi: Any = hi
            ) -> _Plan:
                submitted = self._submission_day(lo, hi) if lo else DEMO_NOW
                return _Plan(cls, "522601", True, kw, kv, submitted, scenario)

            drawn = self.draw(plan_for, tries=200)
            if drawn is None:  # pragma: no cover - the fixed seed draws every one of them
                raise RuntimeError(f"could not draw the demo applicant's {scenario} application")
            plan, events = drawn
            records.append(self._demo_record(plan, events, owned=True, applicant_id=applicant_id, address=address))
        return records

    def records(self) -> list[DemoRecord]:
        """Every demo record, numbered, in order of submission."""
        out: list[DemoRecord] = self._owned()
        names = [s for s, _ in SCENARIOS]
        weights = [w for _, w in SCENARIOS]
        while len(out) < self.size:
            scenario = self.rng.choices(names, weights=weights)[0]
            if scenario == "restart":
                out.extend(self._restart_pair())
                continue
            drawn = self.draw(functools.partial(self._plan, scenario))
            if drawn is not None:
                out.append(self._demo_record(*drawn))
        # Every outcome at least once, even in a small set.
        seen = Counter(r.scenario for r in out)
        for scenario in names:
            if scenario == "restart" and seen["restart_second"] == 0:
                out.extend(self._restart_pair())
            elif scenario != "restart" and seen[scenario] == 0:
                drawn = self.draw(functools.partial(self._plan, scenario), tries=200)
                if drawn is not None:
                    out.append(self._demo_record(*drawn))
        out.sort(key=lambda r: r.submitted_at)
        per_year: Counter[int] = Counter()
        for r in out:
            year = r.submitted_at.astimezone(SHANGHAI).year
            per_year[year] += 1
            r.record["no"] = f"QDN-{year}-{per_year[year]:06d}"
        for r in out:
            if r.restart_of is not None:
                r.record["restart_of"] = r.restart_of.record["no"]
        return out


def generate(*, policy: Policy, cal: WorkCalendar, size: int, seed: int = SEED) -> list[DemoRecord]:
    return Generator(policy=policy, cal=cal, size=size, seed=seed).records()


# Loading into the database.


@dataclass(frozen=True)
class LoadResult:
    loaded: bool  # False when the demo data was there already (nothing was added)
    users: int
    applications: int
    seconds: float
    reason: str = ""


def _demo_email(username: str) -> str:
    return f"{username}@{DEMO_EMAIL_DOMAIN}"


DEMO_EMAIL_DOMAIN = "demo.bandian.invalid"


def is_loaded() -> bool:
    return User.objects.filter(email__endswith="@" + DEMO_EMAIL_DOMAIN).exists()


def _create_users(policy: Policy) -> dict[str, User]:
    """Every demo login, all with the demo password, by username (`accounts.services.users_create`)."""
    rng = random.Random(SEED + 1)
    counties = {c.adcode: c for c in County.objects.filter(adcode__in=list(policy.counties))}
    missing = sorted(set(policy.counties) - set(counties))
    if missing:
        raise RuntimeError(f"counties missing from the database (run migrate): {', '.join(missing)}")
    people: list[NewUser] = [
        NewUser(
            username=APPLICANT_USERNAME,
            role=Role.APPLICANT,
            phone=APPLICANT_USERNAME,
            display_name="陈小电",
            applicant_ref=applicant_ref(APPLICANT_ID_NUMBER),
        ),
        NewUser(username=SUPERVISOR_USERNAME, role=Role.SUPERVISOR, display_name="州发展改革委 监管员"),
        NewUser(username=ADMIN_USERNAME, role=Role.ADMIN, display_name="系统管理员"),
    ]
    titles = {"customer_manager": "客户经理", "project_manager": "项目经理", "counter": "营业厅柜员"}
    for code in sorted(policy.counties):
        for role, names in staff_usernames(code).items():
            for username in names:
                people.append(
                    NewUser(
                        username=username,
                        role=role,
                        county=counties[code],
                        display_name=f"{person_name(rng)}（{policy.counties[code]}{titles[role]}）",
                    )
                )
    people = [dataclasses.replace(p, email=_demo_email(p.username)) for p in people]
    return {u.username: u for u in users_create(people, password=PASSWORD)}


BATCH = 2000  # applications written at a time


class _Planned(Lookups):
    """What checking a demo record asks, answered from the records planned before it: the demo
    loads into a database without applications (`load_demo` checks), so an application a record
    restarts, or a number it repeats, can only be one of the demo's own."""

    def __init__(self, counties: dict[str, County]) -> None:
        self.counties = counties
        self.nos: dict[str, Application] = {}
        self.closed: dict[str, list[Application]] = {}

    def planned(self, app: Application) -> None:
        self.nos[app.no] = app
        if app.status in (Status.WITHDRAWN, Status.CANCELLED):
            self.closed.setdefault(app.applicant_ref, []).append(app)

    def county(self, code: str) -> County | None:
        return self.counties.get(code)

    def application(self, no: str) -> Application | None:
        return self.nos.get(no)

    def exists(self, no: str) -> bool:
        return no in self.nos

    def closed_before(self, applicant_ref: str) -> bool:
        return applicant_ref in self.closed

    def restart_candidates(self, applicant_ref: str) -> list[Application]:
        return self.closed.get(applicant_ref, [])


def load_demo(*, size: int, progress: Callable[[str], None] | None = None) -> LoadResult:
    """Load the demo once: all of it in one transaction, or nothing when it is there already."""
    started = time.monotonic()

    def skipped(reason: str) -> LoadResult:
        return LoadResult(False, 0, 0, time.monotonic() - started, reason)

    if is_loaded():
        return skipped("the demo data is loaded already")
    if Application.objects.exists():
        return skipped("the database holds applications that are not demo data")
    taken = sorted(User.objects.filter(username__in=demo_usernames()).values_list("username", flat=True))
    if taken:
        return skipped(f"usernames taken by users that are not demo users: {', '.join(taken)}")
    policy = active_policy()
    records = generate(policy=policy, cal=get_calendar(), size=size)
    if progress is not None:
        progress(f"loading the demo data: {len(records)} applications (once; later runs skip this)")
    with transaction.atomic():
        users = _create_users(policy)
        applicant = users[APPLICANT_USERNAME]
        lookups = _Planned({c.adcode: c for c in County.objects.all()})
        now = timezone.now()
        histories: list[History] = []
        for n, r in enumerate(records, start=1):
            staff = staff_usernames(r.county)
            try:
                valid = validate_record(r.record, policy=policy, now=now, lookups=lookups)
                history = history_attribute(
                    plan_record(valid, policy=policy, lookups=lookups),
                    channel=r.channel,
                    applicant=applicant if r.owned else None,
                    customer_manager=users[staff["customer_manager"][r.manager_index]],
                    project_manager=users[staff["project_manager"][r.manager_index]],
                    entered_by=users[staff["counter"][0]] if r.channel == "counter" else None,
                    extended_boundary_reason=r.extended_boundary_reason,
                )
                derive_history(history, now=now, policy=policy)
            except (CalendarYearMissing, PolicyGap) as exc:  # e.g. the calendar lacks the current year
                raise RuntimeError(f"demo application {r.record['no']}: events: {exc}") from exc
            except RecordError as exc:
                raise RuntimeError(f"demo application {r.record['no']}: {exc}") from exc
            lookups.planned(history.application)
            histories.append(history)
            if progress is not None and n % 2000 == 0:
                progress(f"{n} of {len(records)} applications")
        for start in range(0, len(histories), BATCH):
            import_histories(histories[start : start + BATCH])
    return LoadResult(True, len(users), len(records), time.monotonic() - started)
