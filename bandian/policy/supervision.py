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
