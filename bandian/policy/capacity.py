"""`[capacity]`: how the published grid access capacity (接入能力, 任务9) is judged (ours: the plan
names no number).

A feeder's or substation's headroom is its rated capacity less its peak load and the capacity
reserved by applications in progress on it; its status is `green` when the headroom is at least
`green_min_share` of the rating, `amber` when at least `amber_min_share`, else `red`
(constrained, 受限). An application's capacity is in kW; it is reserved as kW / `power_factor` kVA.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class AccessCapacity(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    green_min_share: float = Field(default=0.3, gt=0, lt=1)
    amber_min_share: float = Field(default=0.1, ge=0, lt=1)
    power_factor: float = Field(default=0.9, gt=0, le=1)

    @model_validator(mode="after")
    def ordered(self) -> AccessCapacity:
        if self.amber_min_share >= self.green_min_share:
            raise ValueError("amber_min_share must be below green_min_share")
        return self

    def status(self, headroom_share: float | None) -> str:
        """green, amber or red for a headroom share of the rating; "unknown" without one."""
        if headroom_share is None:
            return "unknown"
        if headroom_share >= self.green_min_share:
            return "green"
        return "amber" if headroom_share >= self.amber_min_share else "red"
