"""The policy file's schema: every number of the plan, validated with pydantic.

The classes here are the in-memory policy the rest of the code reads. They are frozen: a policy
never changes while the process runs.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

CustomerClass = Literal["residential", "lv_sanling", "lv_general", "hv_single", "hv_dual"]
ClockName = Literal["full_process", "utility", "approval"]
AreaClass = Literal["central", "urban", "town", "rural"]


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
        if sum(self.steps.values()) != self.total:
            raise ValueError(f"steps add up to {sum(self.steps.values())}, not to the total {self.total}")
        if any(days <= 0 for days in self.steps.values()):
            raise ValueError("every step needs a positive number of working days")
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("'to' is before 'from'")
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
            raise ValueError(f"{len(self.steps)} steps listed, the plan allows {self.steps_max}")
        if len(self.documents) > self.documents_max:
            raise ValueError(f"{len(self.documents)} documents listed, the plan allows {self.documents_max}")
        if self.steps[-1] != "connect":
            raise ValueError("the last step must be 'connect' (energisation)")
        for i, limit in enumerate(self.limits):
            if set(limit.steps) != set(self.steps):
                raise ValueError(f"limits[{i}].steps must name exactly the steps {self.steps}")
        ordered = sorted(self.limits, key=lambda lim: lim.valid_from)
        for earlier, later in itertools.pairwise(ordered):
            if earlier.valid_to is None or earlier.valid_to >= later.valid_from:
                raise ValueError(f"limits from {earlier.valid_from} and {later.valid_from} overlap")
        return self

    def limit_on(self, day: dt.date) -> Limit | None:
        return next((lim for lim in self.limits if lim.applies_on(day)), None)


class Approval(Strict):
    low_voltage_workdays: int = Field(gt=0)
    high_voltage_workdays: int = Field(gt=0)
    commitment_max_kv: float = Field(gt=0)
    commitment_max_length_m: float = Field(gt=0)
    commitment_excludes_wells: bool


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


class ReliabilityTarget(Strict):
    from_year: int = Field(ge=2000, le=2100)
    to_year: int | None = Field(default=None, ge=2000, le=2100)
    central: float = Field(gt=0)
    urban: float = Field(gt=0)
    town: float = Field(gt=0)
    rural: float = Field(gt=0)

    def applies_to(self, year: int) -> bool:
        return self.from_year <= year and (self.to_year is None or year <= self.to_year)


class Policy(Strict):
    policy: PolicyMeta
    counting: Counting
    pause_reasons: dict[str, Labelled] = Field(min_length=1)
    documents: dict[str, Labelled] = Field(min_length=1)
    stages: dict[str, Labelled] = Field(min_length=1)
    classes: dict[CustomerClass, ClassRule]
    approval: Approval
    sanling: Sanling
    zero_investment: list[ZeroInvestmentRule]
    reliability: list[ReliabilityTarget] = Field(min_length=1)
    counties: dict[str, str] = Field(min_length=1)

    @field_validator("counties")
    @classmethod
    def adcodes(cls, value: dict[str, str]) -> dict[str, str]:
        for code in value:
            if not (len(code) == 6 and code.isdigit()):
                raise ValueError(f"{code!r} is not a six-digit adcode")
        return value

    @model_validator(mode="after")
    def references(self) -> Policy:
        missing_classes = {"residential", "lv_sanling", "lv_general", "hv_single", "hv_dual"} - set(self.classes)
        if missing_classes:
            raise ValueError(f"classes: missing {sorted(missing_classes)}")
        for code, rule in self.classes.items():
            for doc in rule.documents:
                if doc not in self.documents:
                    raise ValueError(f"classes.{code}.documents: {doc!r} is not defined in [documents]")
            for stage in rule.steps:
                if stage not in self.stages:
                    raise ValueError(f"classes.{code}.steps: {stage!r} is not defined in [stages]")
        for i, zi in enumerate(self.zero_investment):
            for county in zi.counties:
                if county not in self.counties:
                    raise ValueError(f"zero_investment[{i}].counties: {county!r} is not in [counties]")
        return self

    # Lookups the rest of the code uses.

    def limit_for(self, customer_class: str, submitted_on: dt.date) -> Limit:
        rule = self.classes[customer_class]  # type: ignore[index]
        limit = rule.limit_on(submitted_on)
        if limit is None:
            raise PolicyGap(f"policy {self.policy.name} sets no limit for {customer_class} on {submitted_on}")
        return limit

    def approval_limit(self, voltage_kv: float) -> int:
        return self.approval.low_voltage_workdays if voltage_kv < 1 else self.approval.high_voltage_workdays

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


class PolicyGap(LookupError):
    """The policy has no rule for the case asked about."""
