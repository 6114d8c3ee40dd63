"""The policy's `[outage_notices]` section: how far ahead customers must be told of a planned
outage (key task 6 of the plan: 停电计划 pushed to users in time)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class OutageNotices(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # A planned outage is announced at least this many days before it starts.
    planned_days: int = Field(default=7, ge=1, le=60)
    # Temporary maintenance (临时检修): at least this many hours before.
    temporary_hours: int = Field(default=24, ge=1, le=24 * 14)
    # A notice counts as delivered in time when the delivery receipt arrives within this many
    # minutes of sending (the supervisors' figure).
    delivered_within_minutes: int = Field(default=60, ge=1, le=24 * 60)
