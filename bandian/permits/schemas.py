"""The API's input and output shapes for the parallel approval of external line works."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema
from pydantic import Field

from bandian.applications.schemas import AppNo, Text
from bandian.core import limits
from bandian.permits.models import ItemStatus

# Inputs.


class ItemListQuery(Schema):
    status: ItemStatus | None = Field(None, description="only items in this state")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)


class NoteIn(Schema):
    note: Text = Field("", max_length=limits.NOTE_MAX, description="a note for the log (optional)")


class RequiredNoteIn(Schema):
    note: Text = Field(min_length=1, max_length=limits.NOTE_MAX, description="what the utility must supply")


class RefuseIn(Schema):
    reason: Text = Field(min_length=1, max_length=limits.NOTE_MAX, description="the reason the utility will read")


class CaseOpenIn(Schema):
    """Multipart form fields of an intake (the materials are files named `materials`)."""

    application: AppNo = Field(description="the application number, e.g. QDN-2026-000123")
    route: Text = Field(min_length=1, max_length=limits.SHORT_MAX, description="the line's route, in words")
    route_length_m: Decimal = Field(gt=0, le=100000, max_digits=8, decimal_places=1, description="metres")
    voltage_kv: Decimal = Field(gt=0, max_digits=6, decimal_places=2, description="0.22, 0.38, 0.4, 10 or 20")
    has_wells: bool = Field(False, description="the works include electrical wells")
    crossings: Text = Field("", max_length=limits.NOTE_MAX, description="roads, bridges, green spaces crossed")
    item_types: list[Text] = Field(
        min_length=1, max_length=20, description="permit items (keys of the policy's [permits.items]); repeat the field"
    )
    commitment_signed: bool = Field(
        False, description="the opener signs the notification-commitment (required when the path is commitment)"
    )


class CaseWithdrawIn(Schema):
    reason: Text = Field(
        min_length=1,
        max_length=limits.NOTE_MAX,
        description="why the utility withdraws the case (the departments read it)",
    )


class SupplementIn(Schema):
    note: Text = Field("", max_length=limits.NOTE_MAX, description="the answer to the departments' supplement requests")


# Outputs.


class MaterialOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: dt.datetime
    url: str = Field(description="download (GET, same authentication)")


class LogOut(Schema):
    at: dt.datetime
    action: str
    action_name: str
    item_id: int | None
    actor: str
    note: str


class ItemOut(Schema):
    id: int
    case_no: str
    application_no: str
    item_type: str
    item_name: str
    department: str = Field(description="the department's code")
    department_name: str
    status: ItemStatus
    status_name: str
    due_at: dt.datetime | None = Field(description="null when the calendar does not hold the year it falls in")
    decided_at: dt.datetime | None
    reason: str = Field(description="a refusal's reason")
    overdue: bool = Field(description="still undecided past its due date")
    case_status: str
    case_path: str
    restoration_due_at: dt.datetime | None
    restoration_confirmed_at: dt.datetime | None
    restoration_overdue: bool


class ItemPageOut(Schema):
    count: int
    items: list[ItemOut]


class CaseOut(Schema):
    no: str
    application_no: str
    county: str
    address: str
    route: str
    route_length_m: Decimal
    voltage_kv: Decimal
    has_wells: bool
    crossings: str
    path: str
    path_name: str
    status: str
    status_name: str
    opened_at: dt.datetime
    decided_at: dt.datetime | None
    limit_workdays: int
    due_at: dt.datetime | None
    document_url: str | None = Field(description="the combined approval document (PDF), once issued")
    document_sha256: str
    commitment_signed_at: dt.datetime | None
    completion_reported_at: dt.datetime | None
    restoration_due_at: dt.datetime | None
    closed_at: dt.datetime | None
    items: list[ItemOut] = Field(description="a department sees its own items only")
    materials: list[MaterialOut]
    log: list[LogOut] = Field(description="a department sees the case's log and that of its own items")


class ItemDetailOut(ItemOut):
    case: CaseOut
