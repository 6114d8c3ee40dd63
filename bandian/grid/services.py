"""Writing the grid: one row from a back-office form, or whole CSV files (bandian.grid.loaders).

Each function is the one way to make its change: it locks the row, checks it, writes it and
records the change (bandian.grid.history) with the actor and the time (`at`, default now), in one
transaction. Nobody is notified of grid changes; supervisors read them on the rows' pages.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bandian.accounts.models import User
from bandian.grid import history
from bandian.grid.enums import ChangeAction
from bandian.grid.loaders import GridLoader, LoadReport
from bandian.grid.rules import can_edit_county, editable_county_ids


def _check_county(actor: User | None, *county_ids: str | None) -> None:
    """An actor (None: the command line, the demo) may write only rows of counties they may edit."""
    if actor is not None and not all(can_edit_county(actor, c) for c in county_ids):
        raise PermissionDenied


def _locked(row: models.Model) -> models.Model | None:
    if row.pk is None:
        return None
    return type(row)._default_manager.select_for_update().filter(pk=row.pk).first()


@transaction.atomic
def grid_row_save(*, row: models.Model, actor: User | None, at: dt.datetime | None = None) -> models.Model:
    """Create or update a substation, feeder, transformer, MV user or LV customer after validating
    it, recording every field that changed (old → new)."""
    at = at or timezone.now()
    before = _locked(row)
    _check_county(actor, row.county_id, *([before.county_id] if before else []))  # type: ignore[attr-defined]
    row.full_clean()
    old = history.snapshot(before) if before is not None else None
    row.save()
    changes = history.diff(old, history.snapshot(row))
    if old is None:
        history.record(row, action=ChangeAction.CREATE, actor=actor, at=at, changes=changes)
    elif changes:
        history.record(row, action=ChangeAction.UPDATE, actor=actor, at=at, changes=changes)
    return row


def rows_using(row: models.Model) -> list[str]:
    """The kinds of rows that still refer to this one (it cannot be deleted while any do)."""
    used = []
    for rel in row._meta.related_objects:
        related = rel.related_model
        if related._default_manager.filter(**{rel.field.name: row}).exists():  # type: ignore[union-attr]
            used.append(str(related._meta.verbose_name_plural))  # type: ignore[union-attr]
    return used


@transaction.atomic
def grid_row_delete(*, row: models.Model, actor: User | None, at: dt.datetime | None = None) -> None:
    """Delete a grid row no other row refers to (feeders, transformers, MV users, LV customers,
    outage events, interruptions), recording the values it had."""
    at = at or timezone.now()
    locked = _locked(row)
    if locked is None:
        raise ValidationError(_("该记录已不存在。"))
    _check_county(actor, locked.county_id)  # type: ignore[attr-defined]
    used = rows_using(locked)
    if used:
        raise ValidationError(_("仍有以下记录引用它，不能删除：%(what)s") % {"what": "、".join(used)})
    changes = history.diff(history.snapshot(locked), None)
    history.record(locked, action=ChangeAction.DELETE, actor=actor, at=at, changes=changes)
    locked.delete()


def grid_files_load(*, files: dict[str, bytes], actor: User | None, at: dt.datetime | None = None) -> list[LoadReport]:
    """Load CSV files ({"substations"|"feeders"|"transformers"|"mv_users"|"lv_customers": content}),
    writing only the counties this actor may edit (None: the command line, every county)."""
    counties = None if actor is None else editable_county_ids(actor)
    return GridLoader(counties=counties, actor=actor, at=at).load(files)
