"""The policy file's schema: every number of the plan, validated with pydantic.

The classes here are the in-memory policy the rest of the code reads. They are frozen: a policy
never changes while the process runs.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Annotated, Literal

from django.utils.translation import gettext
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from bandian.core.errors import RuleGap
from bandian.policy.areas import AREA_CLASSES
from bandian.policy.capacity import AccessCapacity
from bandian.policy.classes import CustomerClass
from bandian.policy.fees import FeeError, FeeItem, check_catalogue
from bandian.policy.outages import OutageNotices
from bandian.policy.ratings import Ratings
from bandian.policy.supervision import Supervision
from bandian.policy.visits import Visits

ClockName = Literal["full_process", "utility", "approval"]
# Codes of pause reasons, documents and stages: they are stored and exchanged (requirements §5).
Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]


class RuleError(ValueError):
    """A check across fields failed; `key` is the path, below the model checked, of the culprit.

    The loader appends it to pydantic's location, so that the error names the exact key, e.g.
    `classes.lv_sanling.limits[1].steps` rather than the class as a whole.
    """

    def __init__(self, key: tuple[str | int, ...], message: str) -> None:
        self.key = key
        self.message = message
        super().__init__(message)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Labelled(Strict):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class PolicyMeta(Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    document: str
    issued: dt.date
    authority: str
    timezone: Literal["Asia/Shanghai"]


class Counting(Strict):
    hours_per_workday: Literal[24]
    restart_window_days: int = Field(ge=0, le=366)
    warning_share: float = Field(gt=0, lt=1)


class Limit(Strict):
    # "from" is a Python keyword, hence the alias.
    valid_from: dt.date = Field(alias="from")
    valid_to: dt.date | None = Field(default=None, alias="to")
    total: int = Field(gt=0)
    steps: dict[str, int]

    @model_validator(mode="after")
    def steps_add_up(self) -> Limit:
        for stage, days in self.steps.items():
            if days <= 0:
                raise RuleError(("steps", stage), "every step needs a positive number of working days")
        if sum(self.steps.values()) != self.total:
            raise RuleError(
                ("steps",), f"the steps add up to {sum(self.steps.values())}, not to the total {self.total}"
            )
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise RuleError(("to",), f"{self.valid_to} is before 'from' ({self.valid_from})")
        return self

    def applies_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class ClassRule(Labelled):
    voltage: Literal["low", "high"]
    clock: Literal["full_process", "utility"]
    steps: list[str] = Field(min_length=1)
    documents: list[str] = Field(min_length=1)
    steps_max: int = Field(gt=0)
    documents_max: int = Field(gt=0)
    visits_max: int | None = Field(default=None, ge=0)
    limits: list[Limit] = Field(min_length=1)

    @model_validator(mode="after")
    def consistent(self) -> ClassRule:
        if len(self.steps) > self.steps_max:
            raise RuleError(("steps",), f"{len(self.steps)} steps listed, the plan allows {self.steps_max} (steps_max)")
        if len(set(self.steps)) != len(self.steps):
            raise RuleError(("steps",), "a step is listed twice")
        if len(self.documents) > self.documents_max:
            raise RuleError(
                ("documents",), f"{len(self.documents)} documents listed, the plan allows {self.documents_max}"
            )
        if len(set(self.documents)) != len(self.documents):
            raise RuleError(("documents",), "a document is listed twice")
        if self.steps[-1] != "connect":
            raise RuleError(("steps",), "the last step must be 'connect' (energisation)")
        for i, limit in enumerate(self.limits):
            if set(limit.steps) != set(self.steps):
                raise RuleError(("limits", i, "steps"), f"must name exactly the steps {self.steps}")
        ordered = sorted(enumerate(self.limits), key=lambda pair: pair[1].valid_from)
        for (_, earlier), (j, later) in itertools.pairwise(ordered):
            if earlier.valid_to is None or earlier.valid_to >= later.valid_from:
                raise RuleError(
                    ("limits", j, "from"),
                    f"the limit from {later.valid_from} overlaps the one from {earlier.valid_from}"
                    + (" (which has no 'to')" if earlier.valid_to is None else f" (to {earlier.valid_to})"),
                )
        return self

    def limit_on(self, day: dt.date) -> Limit | None:
        return next((lim for lim in self.limits if lim.applies_on(day)), None)


class Dated(Strict):
    """A rule in force from `from` to `to` (both included; no `to`: still in force)."""

    valid_from: dt.date = Field(alias="from")
    valid_to: dt.date | None = Field(default=None, alias="to")

    @model_validator(mode="after")
    def ordered(self) -> Dated:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise RuleError(("to",), f"{self.valid_to} is before 'from' ({self.valid_from})")
        return self

    def applies_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


def _check_no_overlap(rules: list[Dated], key: str) -> None:
    ordered = sorted(enumerate(rules), key=lambda pair: pair[1].valid_from)
    for (_, earlier), (j, later) in itertools.pairwise(ordered):
        if earlier.valid_to is None or earlier.valid_to >= later.valid_from:
            raise RuleError(
                (key, j, "from"),
                f"the limit from {later.valid_from} overlaps the one from {earlier.valid_from}"
                + (" (which has no 'to')" if earlier.valid_to is None else f" (to {earlier.valid_to})"),
            )


class AccessApprovalLimit(Dated):
    """三、工作目标: the administrative approval of power access works, on the approval clock
    (A), by the day the application was submitted."""

    low_voltage_workdays: int = Field(gt=0)
    high_voltage_workdays: int = Field(gt=0)


class ParallelApprovalLimit(Dated):
    """四（二）: the departments' parallel approval (green space, trees, municipal facilities,
    road occupation), in total and at any voltage, by the day the permit case was opened."""

    workdays: int = Field(gt=0)


class Approval(Strict):
    commitment_max_kv: float = Field(gt=0)
    commitment_max_length_m: float = Field(gt=0)
    commitment_excludes_wells: bool
    access_limits: list[AccessApprovalLimit] = Field(min_length=1)
    parallel_limits: list[ParallelApprovalLimit] = Field(min_length=1)

    @model_validator(mode="after")
    def no_overlap(self) -> Approval:
        _check_no_overlap(list(self.access_limits), "access_limits")
        _check_no_overlap(list(self.parallel_limits), "parallel_limits")
        return self


class PermitDepartment(Labelled):
    """A department that approves permit items. `per_county`: the application's county
    government, one department per county (code `county-<adcode>`)."""

    per_county: bool = False


class PermitItemType(Labelled):
    """A permit external line works may need, and the department (a key of
    [permits.departments]) that decides it."""

    department: Code


class Permits(Strict):
    """Parallel approval of external line works (四（二）). The thresholds of the paths are in
    [approval] (notification-commitment) and here (filing)."""

    # After energisation the utility restores roads and greenery within this many working days
    # (ours: the plan sets no number).
    restoration_workdays: int = Field(gt=0)
    # Low-voltage short lines at or below these go by filing (备案) instead of approval (ours).
    filing_max_kv: float = Field(gt=0)
    filing_max_length_m: float = Field(gt=0)
    filing_excludes_wells: bool
    departments: dict[Code, PermitDepartment] = Field(min_length=1)
    items: dict[Code, PermitItemType] = Field(min_length=1)


class Sanling(Strict):
    max_kw: float = Field(gt=0)


class ZeroInvestmentRule(Labelled):
    key: str = Field(pattern=r"^[a-z0-9_]+$")
    counties: list[str] = Field(default_factory=list)
    urban: bool | None = None
    max_kw: float = Field(gt=0)
    valid_from: dt.date = Field(alias="from")

    def matches(self, *, day: dt.date, county: str, urban: bool, capacity_kw: float) -> bool:
        return (
            day >= self.valid_from
            and (not self.counties or county in self.counties)
            and (self.urban is None or self.urban == urban)
            and capacity_kw <= self.max_kw
        )


class LowVoltage(Strict):
    """Low-voltage supply (ours: the plan sets no number)."""

    # Above this capacity a low-voltage application is refused: it is for high voltage.
    max_kw: float = Field(gt=0)


class Hotline(Labelled):
    """A telephone line shown on every page: its number, its name (zh/en) and who answers it."""

    number: str = Field(pattern=r"^[0-9][0-9-]{2,19}$")
    who: Labelled


class CalendarWatch(Strict):
    """When operators are told that the working-day calendar is running out (ours)."""

    # From this many days before the last day the calendar holds: a banner on staff, supervisor
    # and admin pages, a warning of `manage.py check` and of GET /healthz.
    warn_days: int = Field(default=60, ge=1, le=366)


class ReliabilityTarget(Strict):
    """The SAIDI target (hours per user-year) of each area class (policy.areas) over some years."""

    from_year: int = Field(ge=2000, le=2100)
    to_year: int | None = Field(default=None, ge=2000, le=2100)
    # One per area class, in the order of AREA_CLASSES (checked below).
    central: float = Field(gt=0)
    urban: float = Field(gt=0)
    town: float = Field(gt=0)
    rural: float = Field(gt=0)

    def applies_to(self, year: int) -> bool:
        return self.from_year <= year and (self.to_year is None or year <= self.to_year)

    def by_area(self) -> dict[str, float]:
        """{area class: target hours}."""
        return {area: getattr(self, area) for area in AREA_CLASSES}


if tuple(ReliabilityTarget.model_fields)[2:] != AREA_CLASSES:
    raise ImportError("ReliabilityTarget must have one field per area class of bandian.policy.areas")


class Policy(Strict):
    policy: PolicyMeta
    counting: Counting
    pause_reasons: dict[Code, Labelled] = Field(min_length=1)
    documents: dict[Code, Labelled] = Field(min_length=1)
    stages: dict[Code, Labelled] = Field(min_length=1)
    classes: dict[str, ClassRule]  # keyed by CustomerClass, every one of them
    approval: Approval
    permits: Permits
    sanling: Sanling
    low_voltage: LowVoltage
    zero_investment: list[ZeroInvestmentRule]
    reliability: list[ReliabilityTarget] = Field(min_length=1)
    counties: dict[str, str] = Field(min_length=1)
    hotlines: list[Hotline] = Field(min_length=1)
    calendar: CalendarWatch = CalendarWatch()
    outage_notices: OutageNotices = OutageNotices()
    # The fee catalogue (收费项目目录清单, bandian/policy/fees.py); none in an older file.
    fees: list[FeeItem] = Field(default_factory=list)
    supervision: Supervision = Supervision()
    # The published grid access capacity's thresholds (bandian/policy/capacity.py); defaults when absent.
    capacity: AccessCapacity = AccessCapacity()
    # Issue 11: the customer manager's site visits (预约上门), bandian/policy/visits.py.
    visits: Visits = Visits()
    # Issue 11: the service rating (好差评), bandian/policy/ratings.py.
    ratings: Ratings = Ratings()

    @field_validator("counties")
    @classmethod
    def adcodes(cls, value: dict[str, str]) -> dict[str, str]:
        for code in value:
            if not (len(code) == 6 and code.isdigit()):
                raise ValueError(f"{code!r} is not a six-digit adcode")
        return value

    @model_validator(mode="after")
    def references(self) -> Policy:
        for code in self.classes:
            if code not in CustomerClass.values:
                known = ", ".join(CustomerClass.values)
                raise RuleError(("classes", code), f"not a customer class (the classes are {known})")
        missing_classes = set(CustomerClass.values) - set(self.classes)
        if missing_classes:
            raise RuleError(("classes",), f"missing {', '.join(sorted(missing_classes))}")
        for code, rule in self.classes.items():
            expected = "high" if code.startswith("hv_") else "low"
            if rule.voltage != expected:
                raise RuleError(("classes", code, "voltage"), f"{code} is a {expected}-voltage class")
            for j, doc in enumerate(rule.documents):
                if doc not in self.documents:
                    raise RuleError(("classes", code, "documents", j), f"{doc!r} is not defined in [documents]")
            for j, stage in enumerate(rule.steps):
                if stage not in self.stages:
                    raise RuleError(("classes", code, "steps", j), f"{stage!r} is not defined in [stages]")
        for item_code, item in self.permits.items.items():
            if item.department not in self.permits.departments:
                raise RuleError(
                    ("permits", "items", item_code, "department"),
                    f"{item.department!r} is not defined in [permits.departments]",
                )
        keys: set[str] = set()
        for i, zi in enumerate(self.zero_investment):
            if zi.key in keys:
                raise RuleError(("zero_investment", i, "key"), f"{zi.key!r} is used twice")
            keys.add(zi.key)
            for j, county in enumerate(zi.counties):
                if county not in self.counties:
                    raise RuleError(("zero_investment", i, "counties", j), f"{county!r} is not in [counties]")
        units = self.supervision.units
        for i, task in enumerate(self.supervision.key_tasks):
            for j, unit in enumerate(task.units):
                if unit not in units:
                    raise RuleError(
                        ("supervision", "key_tasks", i, "units", j), f"{unit!r} is not in [supervision.units]"
                    )
        for j, unit in enumerate(self.supervision.annual_plan.recipients):
            if unit not in units:
                raise RuleError(
                    ("supervision", "annual_plan", "recipients", j), f"{unit!r} is not in [supervision.units]"
                )
        if not any(u.kind == "utility" for u in units.values()):
            raise RuleError(("supervision", "units"), "no unit of kind 'utility'")
        for i, target in enumerate(self.reliability):
            if target.to_year is not None and target.to_year < target.from_year:
                raise RuleError(("reliability", i, "to_year"), f"{target.to_year} is before from_year")
            for j, other in enumerate(self.reliability[:i]):
                if target.from_year <= (other.to_year or 9999) and other.from_year <= (target.to_year or 9999):
                    raise RuleError(("reliability", i, "from_year"), f"overlaps the years of reliability[{j}]")
        try:
            check_catalogue(self.fees)
        except FeeError as exc:
            raise RuleError(("fees", *exc.key), exc.message) from exc
        for j, stage in enumerate(self.visits.stages):
            if stage not in self.stages:
                raise RuleError(("visits", "stages", j), f"{stage!r} is not defined in [stages]")
        return self

    # Lookups the rest of the code uses.

    def limit_for(self, customer_class: str, submitted_on: dt.date) -> Limit:
        rule = self.classes[customer_class]
        limit = rule.limit_on(submitted_on)
        if limit is None:
            raise PolicyGap(f"policy {self.policy.name} sets no limit for {customer_class} on {submitted_on}")
        return limit

    def access_approval_limit(self, voltage: str, submitted_on: dt.date) -> int:
        """三: the limit of an application's approval clock (A), by its class's voltage ("low" or
        "high", i.e. up to 20 kV) and the day it was submitted."""
        limit = next((lim for lim in self.approval.access_limits if lim.applies_on(submitted_on)), None)
        if limit is None:
            raise PolicyGap(f"policy {self.policy.name} sets no approval limit on {submitted_on}")
        return limit.low_voltage_workdays if voltage == "low" else limit.high_voltage_workdays

    def parallel_approval_limit(self, opened_on: dt.date) -> int:
        """四（二）: the total limit of a parallel permit case, at any voltage, by the day it opened."""
        limit = next((lim for lim in self.approval.parallel_limits if lim.applies_on(opened_on)), None)
        if limit is None:
            raise PolicyGap(f"policy {self.policy.name} sets no parallel approval limit on {opened_on}")
        return limit.workdays

    def zero_investment_rule(
        self, *, day: dt.date, county: str, urban: bool, capacity_kw: float
    ) -> ZeroInvestmentRule | None:
        matching = [
            rule
            for rule in self.zero_investment
            if rule.matches(day=day, county=county, urban=urban, capacity_kw=capacity_kw)
        ]
        # The most specific rule that applies decides: the one named for the fewest counties.
        matching.sort(key=lambda rule: (len(rule.counties) or len(self.counties) + 1, rule.valid_from))
        return matching[0] if matching else None

    def reliability_target(self, year: int) -> ReliabilityTarget | None:
        return next((t for t in self.reliability if t.applies_to(year)), None)


class PolicyGap(RuleGap):
    """The policy has no rule for the case asked about."""

    def refusal(self) -> str:
        return gettext("现行方案没有适用于该日期的规定：%(e)s") % {"e": self}
