"""Writing the grid: one row from a back-office form, or whole CSV files (bandian.grid.loaders)."""

from __future__ import annotations

from django.db import models, transaction

from bandian.accounts.models import User
from bandian.grid.loaders import GridLoader, LoadReport
from bandian.grid.rules import editable_county_ids


@transaction.atomic
def grid_row_save(*, row: models.Model, actor: User) -> models.Model:
    """Save a substation, feeder, transformer, MV user or LV customer after validating it.

    The caller has checked with rules.can_edit_county that the actor may edit its county."""
    row.full_clean()
    row.save()
    return row


def grid_files_load(*, files: dict[str, bytes], actor: User) -> list[LoadReport]:
    """Load CSV files ({"substations"|"feeders"|"transformers"|"mv_users"|"lv_customers": content}),
    writing only the counties this actor may edit."""
    return GridLoader(counties=editable_county_ids(actor)).load(files)
