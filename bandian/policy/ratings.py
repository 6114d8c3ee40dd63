"""The `[ratings]` section: the service rating after an application ends (服务线上评价, 好差评)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Ratings(BaseModel):
    """Ours where the plan sets no number; the 5 working days are the usual 差评 rectification limit."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # A 差评 (不满意, 非常不满意) is called back and rectified within this many working days.
    follow_up_workdays: int = Field(default=5, ge=1, le=60)
    # The one reminder goes this many days after the invitation, if the applicant has not rated.
    reminder_days: int = Field(default=3, ge=1, le=30)
    # Applications that ended longer ago than this are not invited (nor reminded); the link in the
    # SMS stays valid as long.
    link_days: int = Field(default=30, ge=1, le=366)
    # Published figures: a county's month with fewer ratings than this shows "—" for every figure.
    min_published: int = Field(default=5, ge=1, le=1000)
