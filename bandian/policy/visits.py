"""The `[visits]` section: the customer manager's site visits that high-voltage applicants book (预约上门)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator, model_validator

# A time of day without an offset (it is Asia/Shanghai's), written HH:MM:SS. JSON Schema's format
# "time" is RFC 3339's, with an offset: `GET /api/v1/policy` says what it really sends instead.
LocalTime = Annotated[
    dt.time,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?$",
            "description": "a time of day in Asia/Shanghai, HH:MM:SS, without an offset",
        },
        mode="serialization",
    ),
]


class Visits(BaseModel):
    """When visit slots start, how long they last, and until when a booking may change (ours: the
    plan sets no number)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # The times of day (Asia/Shanghai) a slot may start, on working days of the official calendar.
    times: list[LocalTime] = Field(default=[dt.time(9, 0), dt.time(14, 30)], min_length=1)
    slot_minutes: int = Field(default=120, ge=15, le=480)
    # A booking is made, moved or cancelled by the applicant no later than this before the slot.
    change_hours: int = Field(default=24, ge=0, le=24 * 14)
    # How far ahead a customer manager may publish slots.
    publish_days: int = Field(default=60, ge=1, le=366)
    # The steps during which an application may book the survey visit.
    stages: list[str] = Field(default=["apply", "plan"], min_length=1)

    @field_validator("times")
    @classmethod
    def times_in_order(cls, value: list[dt.time]) -> list[dt.time]:
        if sorted(set(value)) != value:
            raise ValueError("list the times once each, in order")
        return value

    @model_validator(mode="after")
    def slots_do_not_overlap(self) -> Visits:
        for a, b in zip(self.times, self.times[1:], strict=False):
            gap = (b.hour * 60 + b.minute) - (a.hour * 60 + a.minute)
            if gap < self.slot_minutes:
                raise ValueError(f"times: {b} starts before the slot at {a} ends ({self.slot_minutes} min)")
        last = self.times[-1]
        if last.hour * 60 + last.minute + self.slot_minutes > 24 * 60:
            raise ValueError("times: the last slot runs past midnight")
        return self
