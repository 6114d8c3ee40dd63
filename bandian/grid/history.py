"""Who changed what in the grid and in the outage records (docs/grid.md, "Change history").

The services call these functions inside their transaction, with the actor and the time they were
given (`at=`), so a change and its record commit or roll back together. Values are recorded as the
pages show them: a reference by its code (a feeder's `code`, an MV user's `user_id`), a date as
YYYY-MM-DD, an instant in Asia/Shanghai, a choice by its value (shown by its label).

Bulk paths (CSV loads, imports) write their rows with `record_many` (bulk_create in batches) for the
rows that were created or changed, and one `record_summary` row per file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import connection, models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bandian.accounts.models import User
from bandian.core.time import SHANGHAI
from bandian.grid.enums import ChangeAction
from bandian.grid.models import Change

BATCH = 2000
NATURAL_KEYS = ("code", "user_id", "account_no", "reference", "username")
# How the pages name each recorded field (the models' verbose names are the English ones); a
# (model name, field) entry wins over the field's name alone.
LABELS: dict[str | tuple[str, str], Any] = {
    "code": _("编号"),
    "name": _("名称"),
    "county": _("县市"),
    "voltage_kv": _("电压等级（kV）"),
    "substation": _("变电站"),
    "area_class": _("供电区域"),
    "density_class": _("负荷密度分区"),
    "rated_capacity_kva": _("额定容量（kVA）"),
    "peak_load_kva": _("最大负荷（kVA）"),
    "feeder": _("线路"),
    "ownership": _("产权"),
    "capacity_kva": _("容量（kVA）"),
    "user_id": _("用户编号"),
    "kind": _("类别"),
    "transformer": _("配变"),
    "in_service_from": _("投运日期"),
    "in_service_to": _("退运日期"),
    "account_no": _("户号"),
    "contact_name": _("联系人"),
    "contact_phone": _("联系电话"),
    "phone": _("联系电话"),
    "reference": _("事件编号"),
    "scope": _("范围"),
    "transformers": _("配变"),
    ("outageevent", "kind"): _("停电类型"),
    "cause": _("停电原因"),
    "start": _("开始时间"),
    "description": pgettext_lazy("description", "说明"),
    "affected_users": _("受影响的中压用户"),
    "closed_at": _("结束时间"),
    "entered_by": _("录入人"),
    "restored_at": _("复电时间"),
    "users_restored": _("复电用户"),
    "note": _("备注"),
    # Planned outages, repair progress and rationing orders (bandian.outages).
    "end": _("预计结束时间"),
    "works": _("停电工作内容"),
    "area": _("停电范围"),
    "temporary": _("临时检修"),
    "status": _("状态"),
    "announced_at": _("公告时间"),
    "start_announced_at": _("开始时间公告于"),
    "late_changes": _("通知期内的变更次数"),
    "event": _("对应的停电事件"),
    "stage": _("抢修进度"),
    "estimated_restoration": _("预计恢复送电时间"),
    "rationing_order": _("有序用电方案或指令"),
    ("rationingorder", "kind"): _("授权类型"),
    "authority": _("发文机关"),
    "document_no": _("文号"),
    "issued_on": _("发文日期"),
    "valid_from": _("有效期起"),
    "valid_to": _("有效期止"),
    "users": _("涵盖的用户"),
}

Triple = tuple[str, Any, Any]


def natural_key(obj: models.Model) -> str:
    """How a page names a row: its code (or user id, account number, reference), else its pk."""
    for attr in NATURAL_KEYS:
        value = getattr(obj, attr, None)
        if isinstance(value, str) and value:
            return value
    return str(obj.pk)


def shown(value: Any) -> Any:
    """A value as it is recorded (JSON): references by natural key, dates and instants as text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime):
        return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return natural_key(value)
    if isinstance(value, list | tuple | set):
        return [shown(v) for v in value]
    return str(value)


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The recorded values of a row's own fields (no pk, no many-to-many, nothing set automatically)."""
    values: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.primary_key or getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
            continue
        value = getattr(obj, field.name) if field.is_relation else field.value_from_object(obj)
        values[field.name] = shown(value)
    return values


def diff(old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[Triple]:
    """[field, old, new] for each field that differs (a creation: every non-empty new value)."""
    old, new = old or {}, new or {}
    names = list(new) + [n for n in old if n not in new]
    return [(n, old.get(n), new.get(n)) for n in names if old.get(n) != new.get(n) and not _empty_pair(old, new, n)]


def _empty_pair(old: dict[str, Any], new: dict[str, Any], name: str) -> bool:
    return old.get(name) in (None, "") and new.get(name) in (None, "")


def record(
    obj: models.Model,
    *,
    action: str,
    actor: User | None,
    at: dt.datetime,
    changes: Sequence[Triple] = (),
    summary: str = "",
) -> Change:
    """Record one change of `obj` (after it was saved; before it is deleted)."""
    return Change.objects.create(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        object_repr=str(obj)[:200],
        action=action,
        actor=actor,
        at=at,
        changes=[list(c) for c in changes],
        summary=summary[:300],
    )


def record_many(
    model: type[models.Model],
    rows: Iterable[tuple[int, str, str, Sequence[Triple]]],
    *,
    actor: User | None,
    at: dt.datetime,
    summary: str = "",
) -> int:
    """Record many changes of one model at once: rows of (pk, repr, action, changes). Returns the count.

    One multi-row statement per BATCH rows, no model instances: a first load of a prefecture's grid
    records tens of thousands of rows, and building Change instances would double its time."""
    content_type = ContentType.objects.get_for_model(model).pk
    changes_field = Change._meta.get_field("changes")
    quote = connection.ops.quote_name
    columns = ["content_type_id", "object_id", "object_repr", "action", "actor_id", "at", "changes", "summary"]
    sql = (
        f"INSERT INTO {quote(Change._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    fixed_at = connection.ops.adapt_datetimefield_value(at)
    actor_id = actor.pk if actor is not None else None
    count = 0
    with connection.cursor() as cursor:
        batch: list[tuple[Any, ...]] = []
        for pk, repr_, action, changes in rows:
            value = changes_field.get_db_prep_save([list(c) for c in changes], connection)
            batch.append((content_type, pk, repr_[:200], str(action), actor_id, fixed_at, value, summary[:300]))
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def record_summary(
    model: type[models.Model], *, action: str, actor: User | None, at: dt.datetime, summary: str
) -> Change:
    """One row for a whole file load or import of `model` rows (counts in `summary`)."""
    return Change.objects.create(
        content_type=ContentType.objects.get_for_model(model), object_id=None, object_repr="", action=action,
        actor=actor, at=at, summary=summary[:300],
    )  # fmt: skip


# Reading.


@dataclass(frozen=True)
class Shown:
    """One change as a page shows it: each field with its label and its old and new values."""

    change: Change
    fields: list[tuple[Any, str, str]]

    @property
    def action_label(self) -> str:
        return str(ChangeAction(self.change.action).label)


def history_of(obj: models.Model, *, limit: int = 200) -> list[Shown]:
    """The recorded changes of one row, latest first."""
    rows = (
        Change.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)
        .select_related("actor")
        .order_by("-at", "-pk")[:limit]
    )
    return [present(c, type(obj)) for c in rows]


def recent(models_: Sequence[type[models.Model]], *, summaries_only: bool = False, limit: int = 20) -> list[Shown]:
    """The latest changes of these models (loads and deletions included; with `summaries_only`, only
    the rows that summarise a file), latest first."""
    types = ContentType.objects.get_for_models(*models_)
    by_id = {ct.pk: model for model, ct in types.items()}
    rows = Change.objects.filter(content_type__in=list(types.values()))
    if summaries_only:
        rows = rows.filter(object_id__isnull=True)
    rows = rows.select_related("actor").order_by("-at", "-pk")[:limit]
    return [present(c, by_id[c.content_type_id]) for c in rows]


def present(change: Change, model: type[models.Model]) -> Shown:
    fields = []
    for name, old, new in change.changes:
        label, choices = _field_facts(model, name)
        fields.append((label, _text(old, choices), _text(new, choices)))
    return Shown(change, fields)


def _field_facts(model: type[models.Model], name: str) -> tuple[Any, dict[Any, Any]]:
    label = LABELS.get((model._meta.model_name or "", name), LABELS.get(name, name))
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return label, {}
    return label, dict(getattr(field, "flatchoices", None) or [])


def _text(value: Any, choices: dict[Any, Any]) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return "、".join(_text(v, choices) for v in value) or "—"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    return str(choices.get(value, value))
