"""The supervision loop's rules (四（五）, 任务8–9): responsible units, the key tasks, the
rectification list's limits, the annual plan's deadline and reminders."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Unit(_Strict):
    """A unit the plan names as responsible (责任单位).

    `kind` says who acts for it: `utility` — the utility's staff; `department` — the logins of the
    department whose code is the unit's code; `counties` — every county government (department
    codes ``county-<adcode>``); `commission` — the supervisors (the Development and Reform
    Commission).
    """

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)
    kind: Literal["utility", "department", "counties", "commission"] = "department"


class KeyTask(_Strict):
    """One of the plan's key tasks (四、重点任务), with its responsible units."""

    number: int = Field(ge=1, le=99)
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)
    units: list[Code] = Field(min_length=1)


class RectificationRules(_Strict):
    # Items opened by the system are due this many working days after they open (ours).
    due_workdays: int = Field(default=10, ge=1, le=250)


class AnnualPlanRules(_Strict):
    # The utility's implementation plan for the year is due by the last day of this month (四（五）:
    # 每年2月底前), and goes to these units.
    due_month: int = Field(default=2, ge=1, le=12)
    recipients: list[Code] = Field(default_factory=lambda: ["drc", "miit"])
    # Reminders this many days before the due day.
    reminder_days: list[int] = Field(default_factory=lambda: [30, 7, 1])


class Label(_Strict):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class ComplaintLimit(_Strict):
    days: int = Field(ge=1, le=366)
    # `working`: official working days (the working-day calendar); `calendar`: calendar days.
    calendar: Literal["working", "calendar"]


def _default_categories() -> dict[str, Label]:
    return {
        "connection_time": Label(zh="办电时间", en="Connection time"),
        "fees": Label(zh="收费", en="Fees"),
        "outage": Label(zh="停电", en="Outages"),
        "service": Label(zh="服务质量", en="Service quality"),
        "designation": Label(zh="指定设计、施工、供货单位（三指定）", en="Steered to a contractor (三指定)"),
        "other": Label(zh="其他", en="Other"),
    }


class ComplaintRules(_Strict):
    """12398 / 95598 complaints: time limits of the energy regulator's rules (ours as defaults:
    decide whether to accept within 7 working days, answer within 60 days, once extendable by 30)."""

    accept: ComplaintLimit = ComplaintLimit(days=7, calendar="working")
    answer: ComplaintLimit = ComplaintLimit(days=60, calendar="calendar")
    extension: ComplaintLimit = ComplaintLimit(days=30, calendar="calendar")
    categories: dict[Code, Label] = Field(default_factory=_default_categories)
    # The category of a report of being steered to a contractor (counts toward 三指定).
    designation_category: Code = "designation"


class DesignationRules(_Strict):
    """三指定 detection (ours): a builder taking more than `max_share` of a customer manager's (or a
    county's) high-voltage applications, over at least `min_applications`, is reviewed."""

    max_share: float = Field(default=0.5, gt=0, le=1)
    min_applications: int = Field(default=10, ge=1)


class DashboardRules(_Strict):
    """How the dashboard judges a share target (ours: the plan gives the limits, not the shares):
    met at or above `met_share`, at risk down to `at_risk_share`, missed below."""

    met_share: float = Field(default=0.95, gt=0, le=1)
    at_risk_share: float = Field(default=0.85, gt=0, le=1)


class Supervision(_Strict):
    units: dict[Code, Unit] = Field(
        default_factory=lambda: {
            "utility": Unit(zh="供电企业", en="The utility", kind="utility"),
            "drc": Unit(zh="州发展改革委", en="Development and Reform Commission", kind="commission"),
        }
    )
    key_tasks: list[KeyTask] = Field(default_factory=list)
    # A key task with no update for this many days is shown as stale (ours).
    ledger_stale_days: int = Field(default=90, ge=1, le=366)
    rectification: RectificationRules = RectificationRules()
    annual_plan: AnnualPlanRules = AnnualPlanRules()
    complaints: ComplaintRules = ComplaintRules()
    designation: DesignationRules = DesignationRules()
    dashboard: DashboardRules = DashboardRules()
