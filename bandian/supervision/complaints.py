"""Complaints from the 12398 and 95598 hotlines (四（五）（二）: 密切关注12398能源监管热线投诉举报情况).

A complaint is received (entered by hand or imported from the CSV format of docs/supervision.md),
linked to its application — by number, or by phone and address — or outage; the handler decides
whether to accept it within the policy's limit, answers within its limit (extendable once), and
an upheld complaint opens a rectification item. A ticket number is taken once. Each step is one
keyword-only, time-aware function here; the pages, the import and the demo call them.

Personal data (phone, address, the text) is shown only to those handling complaints
(`rules.can_handle_complaint`); everyone else who may see the list sees it masked.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from bandian.accounts.models import Role, User
from bandian.applications.models import Application
from bandian.core.errors import ServiceError, StateConflict
from bandian.core.time import SHANGHAI
from bandian.outages.models import OutageEvent
from bandian.policy.loader import active_policy
from bandian.policy.supervision import ComplaintLimit
from bandian.supervision import rules
from bandian.supervision.models import Complaint, Source
from bandian.supervision.rectifications import rectification_open
from bandian.workdays.calendar import CalendarYearMissing
from bandian.workdays.selectors import get_calendar

TEXT_MAX = 4000
# The CSV import's columns, in this order (docs/supervision.md).
CSV_COLUMNS = (
    "hotline",
    "ticket",
    "received_at",
    "category",
    "text",
    "phone",
    "address",
    "application_no",
    "outage_reference",
)


def _normalised(address: str) -> str:
    return "".join(unicodedata.normalize("NFKC", address).split()).casefold()


def limit_after(start: dt.datetime, limit: ComplaintLimit) -> dt.datetime:
    """The end of a limit counted from `start`: calendar days, or official working days (the
    end of the last one). Without the official calendar of a year, working days count Monday to
    Friday (the calendar banner says which year is missing)."""
    local = start.astimezone(SHANGHAI)
    if limit.calendar == "calendar":
        return local + dt.timedelta(days=limit.days)
    try:
        day = get_calendar().add_workdays(local.date(), limit.days)
    except CalendarYearMissing:
        day, n = local.date(), limit.days
        while n:
            day += dt.timedelta(days=1)
            n -= day.weekday() < 5
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=SHANGHAI)


def link_application(*, application_no: str, phone: str, address: str) -> Application | None:
    """The application by its number; else the one application with this phone and address."""
    if application_no:
        return Application.objects.filter(no=application_no.strip()).first()
    if not phone or not address:
        return None
    target = _normalised(address)
    matches = [
        a
        for a in Application.objects.filter(phone=phone).only("pk", "address", "county_id", "applicant_id")
        if _normalised(a.address) == target
    ]
    return matches[0] if len(matches) == 1 else None


def complaint_receive(
    *,
    hotline: str,
    ticket: str,
    received_at: dt.datetime,
    category: str,
    text: str,
    actor: User | None,
    phone: str = "",
    address: str = "",
    application_no: str = "",
    outage_reference: str = "",
    at: dt.datetime | None = None,
) -> Complaint:
    """Record a complaint; a ticket number already recorded is refused (`StateConflict`)."""
    when = at or timezone.now()
    policy = active_policy().supervision.complaints
    if actor is not None and not rules.can_enter_complaints(actor):
        raise ServiceError(_("只有监管人员和供电企业可以登记投诉"))
    ticket, text, phone, address = ticket.strip(), text.strip(), phone.strip(), address.strip()
    if hotline not in Complaint.Hotline.values:
        raise ServiceError(_("热线应为 12398 或 95598"))
    if not ticket or len(ticket) > 40:
        raise ServiceError(_("请填写工单号（不超过 40 个字符）"))
    if category not in policy.categories:
        raise ServiceError(_("未知的投诉类别：%(c)s") % {"c": category})
    if not text or len(text) > TEXT_MAX:
        raise ServiceError(_("请填写投诉内容（不超过 %(n)s 字）") % {"n": TEXT_MAX})
    if len(phone) > 20 or (phone and not phone.replace("-", "").isdigit()):
        raise ServiceError(_("电话号码格式不正确"))
    if len(address) > 200:
        raise ServiceError(_("地址过长"))
    if received_at.tzinfo is None:
        raise ServiceError(_("受理时间须带时区"))
    if received_at > when + dt.timedelta(minutes=5):
        raise ServiceError(_("接收时间不能晚于现在"))
    application = link_application(application_no=application_no, phone=phone, address=address)
    if application_no and application is None:
        raise ServiceError(_("没有编号为 %(no)s 的申请") % {"no": application_no})
    outage = None
    if outage_reference:
        outage = OutageEvent.objects.filter(reference=outage_reference.strip()).first()
        if outage is None:
            raise ServiceError(_("没有编号为 %(r)s 的停电事件") % {"r": outage_reference})
    complainant = application.applicant if application is not None and application.applicant_id else None
    if complainant is None and phone:
        complainant = User.objects.filter(role=Role.APPLICANT, phone=phone, is_active=True).first()
    county_id = application.county_id if application is not None else (outage.county_id if outage else None)
    try:
        with transaction.atomic():
            return Complaint.objects.create(
                hotline=hotline,
                ticket=ticket,
                received_at=received_at,
                category=category,
                text=text,
                phone=phone,
                address=address,
                county_id=county_id,
                application=application,
                outage=outage,
                complainant=complainant,
                accept_due=limit_after(received_at, policy.accept),
                entered_by=actor,
                entered_at=when,
            )
    except IntegrityError as exc:
        raise StateConflict(_("工单号 %(t)s 已登记") % {"t": ticket}) from exc


def _locked(complaint: Complaint, actor: User) -> Complaint:
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if not rules.can_handle_complaint(actor, locked):
        raise ServiceError(_("只有投诉的办理人员可以处理"))
    return locked


def complaint_decide(
    complaint: Complaint, *, accept: bool, note: str, actor: User, at: dt.datetime | None = None
) -> Complaint:
    """Accept a complaint (its answer is then due within the policy's limit) or reject it, with a note."""
    when = at or timezone.now()
    note = note.strip()
    if not accept and not note:
        raise ServiceError(_("不予受理须说明理由"))
    if len(note) > TEXT_MAX:
        raise ServiceError(_("内容过长"))
    with transaction.atomic():
        c = _locked(complaint, actor)
        if c.state != Complaint.State.RECEIVED:
            raise StateConflict(_("该投诉已决定是否受理"))
        c.state = Complaint.State.ACCEPTED if accept else Complaint.State.REJECTED
        c.decided_at = when
        c.decision_note = note
        c.handler = actor
        if accept:
            c.answer_due = limit_after(c.received_at, active_policy().supervision.complaints.answer)
        c.save()
    return c


def complaint_extend(complaint: Complaint, *, reason: str, actor: User, at: dt.datetime | None = None) -> Complaint:
    """Extend the answer's limit once, by the policy's extension, with a reason."""
    when = at or timezone.now()
    reason = reason.strip()
    if not reason or len(reason) > TEXT_MAX:
        raise ServiceError(_("延期须说明理由"))
    with transaction.atomic():
        c = _locked(complaint, actor)
        if c.state != Complaint.State.ACCEPTED:
            raise StateConflict(_("只有已受理、未答复的投诉可以延期"))
        if c.extended_at is not None:
            raise StateConflict(_("答复期限只能延长一次"))
        assert c.answer_due is not None
        if when > c.answer_due:
            raise StateConflict(_("答复期限已过，不能再延期"))
        c.answer_due = limit_after(c.answer_due, active_policy().supervision.complaints.extension)
        c.extended_at = when
        c.extension_reason = reason
        c.save()
    return c


def complaint_answer(
    complaint: Complaint, *, answer: str, upheld: bool, actor: User, at: dt.datetime | None = None
) -> Complaint:
    """Record the answer; an upheld complaint opens a rectification item for the utility."""
    when = at or timezone.now()
    answer = answer.strip()
    if not answer or len(answer) > TEXT_MAX:
        raise ServiceError(_("请填写答复内容（不超过 %(n)s 字）") % {"n": TEXT_MAX})
    with transaction.atomic():
        c = _locked(complaint, actor)
        if c.state != Complaint.State.ACCEPTED:
            raise StateConflict(_("只有已受理、未答复的投诉可以答复"))
        c.state = Complaint.State.ANSWERED
        c.answer = answer
        c.upheld = upheld
        c.answered_at = when
        c.handler = actor
        c.save()
        if upheld:
            category = active_policy().supervision.complaints.categories.get(c.category)
            rectification_open(
                source=Source.COMPLAINT,
                subject=c.ticket,
                title=_("%(h)s 投诉 %(t)s 属实：%(c)s")
                % {"h": c.hotline, "t": c.ticket, "c": category.zh if category else c.category},
                unit=_utility(),
                county=c.county_id,
                description=answer,
                actor=None,
                at=when,
            )
    return c


def _utility() -> str:
    return next(code for code, unit in active_policy().supervision.units.items() if unit.kind == "utility")


def is_overdue(c: Complaint, *, now: dt.datetime) -> bool:
    if c.state == Complaint.State.RECEIVED:
        return now > c.accept_due
    if c.state == Complaint.State.ACCEPTED:
        return c.answer_due is not None and now > c.answer_due
    return False


def answered_in_time(c: Complaint) -> bool | None:
    if c.state != Complaint.State.ANSWERED or c.answered_at is None or c.answer_due is None:
        return None
    return c.answered_at <= c.answer_due


def complaints_for(user: Any, *, year: int | None = None) -> QuerySet[Complaint]:
    items = rules.visible_complaints(user).select_related("application", "outage", "county")
    if year is not None:
        start = dt.datetime(year, 1, 1, tzinfo=SHANGHAI)
        items = items.filter(received_at__gte=start, received_at__lt=start.replace(year=year + 1))
    return items


def masked_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else ("****" if phone else "")


# The CSV import.


@dataclass
class ImportReport:
    added: int = 0
    duplicates: list[str] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def _instant(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.strip())
    return value if value.tzinfo is not None else value.replace(tzinfo=SHANGHAI)


def import_csv(data: bytes | str, *, actor: User | None, at: dt.datetime | None = None) -> ImportReport:
    """Import complaints from the CSV format (a header line with `CSV_COLUMNS`; UTF-8, a BOM
    allowed; `received_at` ISO 8601, Asia/Shanghai when it has no offset). Every valid row is
    added; a ticket already recorded is listed as a duplicate; a bad row is named with its line
    number and why, and adds nothing."""
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    reader = csv.DictReader(io.StringIO(text))
    report = ImportReport()
    missing = [c for c in CSV_COLUMNS[:5] if c not in (reader.fieldnames or [])]
    if missing:
        raise ServiceError(_("CSV 缺少列：%(c)s") % {"c": ", ".join(missing)})
    for line, row in enumerate(_rows(reader), start=2):
        try:
            complaint_receive(
                hotline=(row.get("hotline") or "").strip(),
                ticket=row.get("ticket") or "",
                received_at=_instant(row.get("received_at") or ""),
                category=(row.get("category") or "").strip(),
                text=row.get("text") or "",
                phone=row.get("phone") or "",
                address=row.get("address") or "",
                application_no=(row.get("application_no") or "").strip(),
                outage_reference=(row.get("outage_reference") or "").strip(),
                actor=actor,
                at=at,
            )
            report.added += 1
        except StateConflict:
            report.duplicates.append((row.get("ticket") or "").strip())
        except (ServiceError, ValueError) as exc:
            report.errors.append((line, str(exc)))
    return report


def _rows(reader: Iterable[dict[str, str]]) -> Iterable[dict[str, str]]:
    yield from reader
