"""The API's input and output shapes for applications.

Inputs are validated here before any service sees them: strings that the database cannot store
(NUL, lone surrogates) and dates outside any plausible range are refused with 422, so that bad
input never reaches the ORM as a 500.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field

from bandian.core import limits
from bandian.policy.classes import CustomerClass


def _storable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("must be valid Unicode text") from exc
    return value


def _plausible(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and not limits.date_in_range(value):
        raise ValueError(f"must be between the years {limits.FIRST_YEAR} and {limits.LAST_YEAR}")
    return value


Text = Annotated[str, AfterValidator(_storable)]
# An empty form field means "no device time" (multipart forms send every field as text).
DeviceTime = Annotated[
    AwareDatetime | None, BeforeValidator(lambda v: None if v == "" else v), AfterValidator(_plausible)
]
# Application numbers: QDN-2026-000123, or an imported utility's own numbering.
AppNo = Annotated[str, Field(min_length=1, max_length=limits.NUMBER_MAX), AfterValidator(_storable)]


# Inputs.


class ApplicationCreateIn(Schema):
    customer_class: CustomerClass
    county: str = Field(pattern=r"^[0-9]{6}$", description="the county's six-digit adcode, e.g. 522601")
    urban: bool
    address: Text = Field(min_length=1, max_length=limits.SHORT_MAX)
    capacity_kw: Decimal = Field(gt=0, max_digits=10, decimal_places=1)
    voltage_kv: Decimal = Field(gt=0, max_digits=6, decimal_places=2)
    extended_boundary: bool = Field(
        False, description="high voltage only: extended investment boundary (major-risk, poverty, pollution projects)"
    )
    extended_boundary_reason: Text = Field("", max_length=limits.SHORT_MAX)
    # Counter staff entering an application for someone who came in.
    applicant_name: Text = Field("", max_length=limits.NAME_MAX, description="counter staff only: the applicant's name")
    phone: str = Field("", pattern=r"^(\+?[0-9]{5,20})?$", description="counter staff only: the applicant's phone")
    id_number: Text = Field("", max_length=40, description="counter staff only: identity number (stored hashed)")


class WithdrawIn(Schema):
    note: Text = Field("", max_length=limits.NOTE_MAX)


class FieldAction(Schema):
    """What a mobile terminal adds to a field action: its own clock and its id."""

    device_time: DeviceTime = Field(
        None, description="the terminal's own time of the action, ISO 8601 with offset (e.g. 2026-03-02T09:15:00+08:00)"
    )
    device_id: Text = Field("", max_length=limits.NAME_MAX)


class StageCompleteIn(FieldAction):
    stage: Text = Field(max_length=20, description="the step to complete: apply, plan or connect")
    note: Text = Field("", max_length=limits.NOTE_MAX)
    feeder: Text = Field(
        "",
        max_length=limits.CODE_MAX,
        description="the plan step only: the code of the feeder (of the application's county) the supply plan "
        "connects it to; its capacity is reserved on that feeder until energised or withdrawn",
    )


class PauseIn(FieldAction):
    reason: Text = Field(
        max_length=limits.CODE_MAX, description="one of the policy's customer reasons (GET /api/v1/policy)"
    )
    note: Text = Field(min_length=1, max_length=limits.NOTE_MAX, description="the evidence, in words")


class ResumeIn(FieldAction):
    note: Text = Field("", max_length=limits.NOTE_MAX)


class VisitIn(FieldAction):
    note: Text = Field(
        min_length=1, max_length=limits.NOTE_MAX, description="what the applicant had to come in person for"
    )


class CancelIn(Schema):
    reason: Text = Field(min_length=1, max_length=limits.NOTE_MAX)


class DocumentKindIn(Schema):
    kind: Text = Field(max_length=limits.CODE_MAX, description="a document code the policy names for the class")


# Outputs.


class StepOut(Schema):
    stage: str
    name: str
    limit_workdays: int
    started_at: dt.datetime | None
    completed_at: dt.datetime | None
    due_at: dt.datetime | None
    used_workdays: float
    current: bool


class PauseOut(Schema):
    start: dt.datetime
    end: dt.datetime | None
    reason: str
    reason_name: str
    note: str


class DocumentOut(Schema):
    kind: str
    name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: dt.datetime


class EventOut(Schema):
    seq: int
    type: str
    name: str
    occurred_at: dt.datetime
    received_at: dt.datetime
    device_at: dt.datetime | None
    device_id: str
    stage: str
    reason: str
    note: str
    backfilled: bool


class ManagerOut(Schema):
    username: str
    name: str


class ApplicationSummaryOut(Schema):
    no: str
    customer_class: str
    customer_class_name: str
    county: str
    county_name: str
    urban: bool
    address: str
    channel: str
    status: str
    status_name: str
    current_stage: str
    current_stage_name: str
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    stage_due_at: dt.datetime | None
    due_at: dt.datetime | None
    energised_at: dt.datetime | None


class QueueItemOut(ApplicationSummaryOut):
    applicant_name: str
    paused: bool
    overdue: bool
    nearly_due: bool = Field(description="at least the policy's warning share of the current step's limit used")
    stage_used_share: float | None = Field(description="share of the current step's limit used (1.0 = all)")


class ApplicationDetailOut(ApplicationSummaryOut):
    applicant_name: str
    phone: str
    capacity_kw: Decimal
    voltage_kv: Decimal
    extended_boundary: bool
    extended_boundary_reason: str
    closed_at: dt.datetime | None
    # 三零 decision and zero investment, with the rule that decided.
    zero_investment: bool
    eligibility_rule: str
    restart_of: str | None
    customer_manager: ManagerOut | None
    project_manager: ManagerOut | None
    # The clocks (working days, requirements §4).
    limit_clock: str
    limit_workdays: int
    limit_used_workdays: float
    deadline_missing_year: int | None = Field(
        None, description="a deadline runs into this year, which the working-day calendar does not hold yet"
    )
    full_process_workdays: float
    utility_workdays: float
    approval_workdays: float
    visits: int
    steps: list[StepOut]
    pauses: list[PauseOut]
    required_documents: list[str]
    documents: list[DocumentOut]
    events: list[EventOut]


class ProgressStepOut(Schema):
    stage: str
    name: str
    limit_workdays: int
    state: Literal["done", "current", "pending"]


class ProgressOut(Schema):
    """The public progress query: steps and deadlines, never who or where."""

    no: str
    customer_class: str
    customer_class_name: str
    county_name: str
    status: str
    status_name: str
    current_stage: str
    current_stage_name: str
    submitted_at: dt.datetime | None
    stage_due_at: dt.datetime | None
    due_at: dt.datetime | None
    energised_at: dt.datetime | None
    limit_clock: str
    limit_workdays: int | None
    steps: list[ProgressStepOut]


class ActionOut(Schema):
    """What a state change answers: the application's state after it."""

    no: str
    status: str
    status_name: str
    current_stage: str
    stage_due_at: dt.datetime | None
    due_at: dt.datetime | None
    event_seq: int
    received_at: dt.datetime
