"""Rationing (限电) only when authorised: the orderly-use plans and orders, and the flags.

The plan forbids rationing enterprises without authority (不得违规对企业实施拉闸限电). An outage
whose cause is `rationing` must execute an orderly-use plan (有序用电方案) or order, recorded here
with its issuing authority, document number, date, the days it is in force and the MV users it
covers. Every interruption row with cause `rationing` is then either authorised or flagged:

- an entered event with no order: every affected user, `no_order`;
- an entered event whose order is not in force on the day it began: `not_in_force`;
- a user the order does not list: `not_listed`;
- an imported row (a §5 file knows nothing of orders) with no order in force that lists the user
  on that day: `no_order`.

The flags are derived from the rows and the orders whenever they are read (`unauthorised`), so an
order recorded later authorises the imported rows it covers; each flag is named by its event and
user, which stay the same. Supervisors are told at once when an entry or an import flags rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from bandian.accounts.models import County, User
from bandian.core import limits
from bandian.core.errors import ServiceError
from bandian.core.time import SHANGHAI
from bandian.grid import history
from bandian.grid.enums import ChangeAction
from bandian.grid.models import MVUser
from bandian.outages import notices
from bandian.outages.enums import FlagReason, OrderKind, OutageCause, Source
from bandian.outages.models import Interruption, OutageEvent, RationingOrder


@transaction.atomic
def order_create(
    *,
    kind: str,
    county: County | None,
    authority: str,
    document_no: str,
    issued_on: dt.date,
    valid_from: dt.date,
    valid_to: dt.date,
    users: Iterable[MVUser],
    actor: User | None,
    at: dt.datetime | None = None,
) -> RationingOrder:
    """Record an orderly-use plan or order and the MV users it covers (None county: prefecture-wide)."""
    at = at or timezone.now()
    chosen = list(dict.fromkeys(users))
    authority, document_no = authority.strip(), document_no.strip()
    if kind not in OrderKind.values:
        raise ServiceError(_("未知的授权类型：%(k)s") % {"k": kind})
    if not authority or not document_no:
        raise ServiceError(_("请填写发文机关和文号。"))
    for day in (issued_on, valid_from, valid_to):
        if not limits.date_in_range(day):
            raise ServiceError(limits.date_range_message())
    if valid_to < valid_from:
        raise ServiceError(_("有效期的结束日期不能早于开始日期。"))
    if not chosen:
        raise ServiceError(_("请列出方案或指令所涵盖的用户。"))
    if county is not None:
        stray = [u.user_id for u in chosen if u.county_id != county.pk]
        if stray:
            raise ServiceError(_("这些用户不在%(county)s：%(ids)s") % {"county": county.name, "ids": ", ".join(stray)})
    if RationingOrder.objects.filter(authority=authority, document_no=document_no).exists():
        raise ServiceError(_("%(a)s %(n)s 已经录入。") % {"a": authority, "n": document_no})
    order = RationingOrder.objects.create(
        kind=kind, county=county, authority=authority, document_no=document_no, issued_on=issued_on,
        valid_from=valid_from, valid_to=valid_to, entered_by=actor,
    )  # fmt: skip
    order.users.set(chosen)
    changes = [*history.diff(None, history.snapshot(order)), ("users", None, history.shown(chosen))]
    history.record(order, action=ChangeAction.CREATE, actor=actor, at=at, changes=changes)
    return order


def order_in_force(order: RationingOrder, at: dt.datetime) -> bool:
    day = at.astimezone(SHANGHAI).date()
    return order.valid_from <= day <= order.valid_to


@dataclass(frozen=True)
class Flag:
    """One user rationed without authority in one outage (named by `event_id` and `user_id`)."""

    event_id: str
    user_id: str
    user_name: str
    county_id: str
    start: dt.datetime
    end: dt.datetime | None
    reason: str
    source: str
    order: str  # the order named, if any ("authority number")

    @property
    def reason_label(self) -> str:
        return str(FlagReason(self.reason).label)

    @property
    def key(self) -> str:
        return f"{self.event_id}/{self.user_id}"


def _covering_order() -> Exists:
    """An order in force on the row's day that lists the row's user."""
    through = RationingOrder.users.through
    return Exists(
        through.objects.filter(
            mvuser__user_id=OuterRef("user_id"),
            rationingorder__valid_from__lte=OuterRef("day"),
            rationingorder__valid_to__gte=OuterRef("day"),
        )
    )


def _rows(county_ids: set[str] | None, start: dt.datetime | None, end: dt.datetime | None) -> QuerySet[Interruption]:
    rows = Interruption.objects.filter(cause=OutageCause.RATIONING)
    if county_ids is not None:
        rows = rows.filter(user__county_id__in=county_ids)
    if start is not None:
        rows = rows.filter(start__gte=start)
    if end is not None:
        rows = rows.filter(start__lt=end)
    return rows


def unauthorised(
    *,
    county_ids: set[str] | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    event_ids: Iterable[str] | None = None,
) -> list[Flag]:
    """Every flagged rationing row (optionally of these counties, begun in [start, end), of these
    events), latest first. Two queries: the entered events' rows and the imported ones."""
    flags: list[Flag] = []
    rows = _rows(county_ids, start, end)
    if event_ids is not None:
        rows = rows.filter(event_id__in=list(event_ids))
    entered = rows.filter(outage__isnull=False).select_related("outage__rationing_order", "user")
    listed = dict.fromkeys(
        RationingOrder.users.through.objects.filter(rationingorder__events__in=entered.values("outage_id")).values_list(
            "rationingorder_id", "mvuser__user_id"
        )
    )
    for row in entered:
        assert row.outage is not None
        order = row.outage.rationing_order
        if order is None:
            reason = FlagReason.NO_ORDER
        elif not order_in_force(order, row.outage.start):
            reason = FlagReason.NOT_IN_FORCE
        elif (order.pk, row.user_id) not in listed:
            reason = FlagReason.NOT_LISTED
        else:
            continue
        flags.append(_flag(row, reason, Source.ENTERED, str(order) if order else ""))
    imported = (
        rows.filter(outage__isnull=True)
        .alias(day=F("start__date"))
        .annotate(covered=_covering_order())
        .filter(covered=False)
        .select_related("user")
    )
    for row in imported:
        flags.append(_flag(row, FlagReason.NO_ORDER, Source.IMPORTED, ""))
    flags.sort(key=lambda f: (f.start, f.event_id, f.user_id), reverse=True)
    return flags


def _flag(row: Interruption, reason: str, source: str, order: str) -> Flag:
    return Flag(
        event_id=row.event_id, user_id=row.user_id, user_name=row.user.name, county_id=row.user.county_id,
        start=row.start, end=row.end, reason=reason, source=source, order=order,
    )  # fmt: skip


def check_event(event: OutageEvent) -> list[Flag]:
    """The flags of an entered rationing event; the supervisors are told in the same transaction."""
    if event.cause != OutageCause.RATIONING:
        return []
    flags = unauthorised(event_ids=[event.reference])
    if flags:
        subject = _("违规限电：%(ref)s") % {"ref": event.reference}
        body = _("%(county)s %(feeder)s 的限电停电 %(ref)s 涉及 %(n)d 个未经授权的用户（%(why)s）。") % {
            "county": event.county.name, "feeder": event.feeder.code, "ref": event.reference, "n": len(flags),
            "why": "、".join(sorted({f.reason_label for f in flags})),
        }  # fmt: skip
        notices.tell_supervisors(subject=subject, body=body)
    return flags


def check_import(event_ids: Iterable[str], name: str) -> int:
    """After an import: supervisors told of the imported rationing rows with no order."""
    ids = list(event_ids)
    if not ids:
        return 0
    flags = [f for f in unauthorised(event_ids=ids) if f.source == Source.IMPORTED]
    if flags:
        subject = _("违规限电：导入的停电记录")
        body = _("文件 %(name)s 中有 %(n)d 条限电停电记录没有有序用电方案或指令授权。") % {
            "name": name,
            "n": len(flags),
        }
        notices.tell_supervisors(subject=subject, body=body)
    return len(flags)
