"""Contractors (承装（修、试）电力设施许可证) and 三指定 (四（八）: 规范受电工程市场秩序).

The register holds each licence (number, class, level, validity), imported from CSV
(docs/supervision.md) or edited by supervisors (`contractor_save`). A high-voltage applicant
declares the designer, builder and equipment supplier of their own works
(`declare_contractors`); a builder without a licence valid on the day is flagged to the customer
manager and the supervisors (`unlicensed_builders`). 三指定 detection (`concentrations`): per
customer manager and per county, the share of high-voltage applications going to each builder;
a share above the policy's threshold, over at least its minimum number of applications, opens a
rectification item for review (a source of `sources.scan`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bandian.accounts.models import Role, User
from bandian.accounts.rules import acting_as, has_role, is_admin
from bandian.applications.models import Application
from bandian.core.errors import ServiceError
from bandian.core.time import SHANGHAI
from bandian.policy.loader import active_policy
from bandian.supervision.models import Contractor, ContractorDeclaration, ContractorRole

CSV_COLUMNS = ("name", "licence_no", "licence_class", "level", "valid_from", "valid_to")


def _clean(value: str, *, name: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ServiceError(_("请填写%(f)s") % {"f": name})
    if len(value) > max_length:
        raise ServiceError(_("%(f)s过长（不超过 %(n)s 个字符）") % {"f": name, "n": max_length})
    return value


def contractor_save(
    *,
    name: str,
    licence_no: str,
    licence_class: str,
    level: str,
    valid_from: dt.date,
    valid_to: dt.date,
    actor: User | None,
    at: dt.datetime | None = None,
) -> tuple[Contractor, bool]:
    """Add a licence to the register, or update the one with this number; (contractor, created).
    Supervisors (and the import, `actor` None) only."""
    when = at or timezone.now()
    if actor is not None and not (has_role(actor, Role.SUPERVISOR) or is_admin(actor)):
        raise ServiceError(_("只有监管人员可以维护承装（修、试）单位名录"))
    values = {
        "name": _clean(name, name=_("单位名称"), max_length=200),
        "licence_class": _clean(licence_class, name=_("许可类别"), max_length=40),
        "level": _clean(level, name=_("许可等级"), max_length=20),
        "valid_from": valid_from,
        "valid_to": valid_to,
        "updated_at": when,
        "updated_by": actor,
    }
    number = _clean(licence_no, name=_("许可证编号"), max_length=60)
    if valid_to < valid_from:
        raise ServiceError(_("有效期截止日不能早于起始日"))
    with transaction.atomic():
        contractor, created = Contractor.objects.select_for_update().update_or_create(
            licence_no=number, defaults=values
        )
        # Declarations naming this licence number now point at it.
        ContractorDeclaration.objects.filter(licence_no=number, contractor__isnull=True).update(contractor=contractor)
    return contractor, created


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    duplicates: list[str] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def import_csv(data: bytes | str, *, actor: User | None, at: dt.datetime | None = None) -> ImportReport:
    """Import the register from CSV (`CSV_COLUMNS`, dates YYYY-MM-DD, UTF-8); a licence number
    already in the register is updated; a bad line is named and adds nothing."""
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ServiceError(_("CSV 缺少列：%(c)s") % {"c": ", ".join(missing)})
    report = ImportReport()
    seen: set[str] = set()
    for line, row in enumerate(reader, start=2):
        number = (row.get("licence_no") or "").strip()
        if number in seen:
            report.duplicates.append(number)
            continue
        try:
            _c, created = contractor_save(
                name=row.get("name") or "",
                licence_no=number,
                licence_class=row.get("licence_class") or "",
                level=row.get("level") or "",
                valid_from=dt.date.fromisoformat((row.get("valid_from") or "").strip()),
                valid_to=dt.date.fromisoformat((row.get("valid_to") or "").strip()),
                actor=actor,
                at=at,
            )
        except (ServiceError, ValueError) as exc:
            report.errors.append((line, str(exc)))
            continue
        seen.add(number)
        if created:
            report.added += 1
        else:
            report.updated += 1
    return report


def can_declare(user: Any, application: Application) -> bool:
    """The applicant of a high-voltage application, or its customer manager (for the applicant)."""
    if not application.customer_class.startswith("hv_"):
        return False
    applicant = acting_as(user, Role.APPLICANT)
    if applicant is not None:
        return application.applicant_id == applicant.pk
    staff = acting_as(user, Role.CUSTOMER_MANAGER, Role.COUNTER)
    return staff is not None and staff.county_id == application.county_id


def declare_contractors(
    *,
    application: Application,
    declarations: dict[str, tuple[str, str]],
    actor: User,
    at: dt.datetime | None = None,
) -> list[ContractorDeclaration]:
    """Record who designs, builds and supplies the customer's own works: {role: (name, licence
    number)}; a role declared again replaces the earlier declaration."""
    when = at or timezone.now()
    if not can_declare(actor, application):
        raise ServiceError(_("只有高压申请的申请人（或其客户经理）可以申报设计、施工和供货单位"))
    if not declarations:
        raise ServiceError(_("请至少填写一个单位"))
    out = []
    with transaction.atomic():
        for role, (name, licence) in declarations.items():
            if role not in ContractorRole.values:
                raise ServiceError(_("未知的角色：%(r)s") % {"r": role})
            name = _clean(name, name=_("单位名称"), max_length=200)
            licence = _clean(licence, name=_("许可证编号"), max_length=60, required=False)
            contractor = Contractor.objects.filter(licence_no=licence).first() if licence else None
            decl, _created = ContractorDeclaration.objects.update_or_create(
                application=application,
                role=role,
                defaults={
                    "name": name,
                    "licence_no": licence,
                    "contractor": contractor,
                    "declared_at": when,
                    "declared_by": actor,
                },
            )
            out.append(decl)
    return out


def declarations_of(application: Application) -> list[ContractorDeclaration]:
    return list(
        ContractorDeclaration.objects.filter(application=application).select_related("contractor").order_by("role")
    )


def licence_problem(decl: ContractorDeclaration) -> str:
    """Why a declared builder is flagged ("" when not): no licence, unknown, or not valid on the day."""
    if decl.role != ContractorRole.BUILDER:
        return ""
    day = decl.declared_at.astimezone(SHANGHAI).date()
    if not decl.licence_no:
        return _("未提供承装（修、试）电力设施许可证")
    if decl.contractor is None:
        return _("许可证 %(n)s 不在名录中") % {"n": decl.licence_no}
    if not decl.contractor.valid_on(day):
        return _("许可证 %(n)s 在 %(d)s 不在有效期内（%(a)s 至 %(b)s）") % {
            "n": decl.licence_no,
            "d": day.isoformat(),
            "a": decl.contractor.valid_from.isoformat(),
            "b": decl.contractor.valid_to.isoformat(),
        }
    return ""


def unlicensed_builders(*, county: str | None = None) -> list[tuple[ContractorDeclaration, str]]:
    """Declared builders without a licence valid on the day of the declaration."""
    decls = ContractorDeclaration.objects.filter(role=ContractorRole.BUILDER).select_related(
        "contractor", "application", "application__customer_manager"
    )
    if county:
        decls = decls.filter(application__county_id=county)
    return [(d, why) for d in decls.order_by("-declared_at") if (why := licence_problem(d))]


@dataclass(frozen=True)
class Concentration:
    scope: str  # "manager" or "county"
    county: str
    manager: str  # the customer manager's username ("" for a county)
    builder: str  # the builder's licence number, or its name when none was given
    builder_name: str
    applications: int  # the builder's
    total: int  # the scope's, with a declared builder
    share: float
    flagged: bool


def _builder_key(decl: ContractorDeclaration) -> str:
    return decl.licence_no or decl.name


def concentrations(*, county: str | None = None) -> list[Concentration]:
    """Per customer manager and per county, each builder's share of the high-voltage applications
    with a declared builder; `flagged` above the policy's share over its minimum of applications."""
    rules = active_policy().supervision.designation
    decls = ContractorDeclaration.objects.filter(role=ContractorRole.BUILDER).select_related(
        "application", "application__customer_manager"
    )
    if county:
        decls = decls.filter(application__county_id=county)
    by_manager: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    by_county: dict[str, Counter[str]] = defaultdict(Counter)
    names: dict[str, str] = {}
    for d in decls:
        key = _builder_key(d)
        names[key] = d.name
        cm = d.application.customer_manager.username if d.application.customer_manager else ""
        if cm:
            by_manager[(d.application.county_id, cm)][key] += 1
        by_county[d.application.county_id][key] += 1
    out = []
    scopes: list[tuple[str, str, str, Counter[str]]] = [("manager", c, m, n) for (c, m), n in by_manager.items()]
    scopes += [("county", c, "", n) for c, n in by_county.items()]
    for scope, c, manager, counts in scopes:
        total = sum(counts.values())
        for builder, n in counts.most_common():
            share = n / total
            out.append(
                Concentration(
                    scope,
                    c,
                    manager,
                    builder,
                    names[builder],
                    n,
                    total,
                    round(share, 4),
                    total >= rules.min_applications and share > rules.max_share,
                )
            )
    out.sort(key=lambda x: (not x.flagged, x.county, x.scope, x.manager, -x.share))
    return out


def register(*, flagged: bool | None = None, today: dt.date) -> list[dict[str, Any]]:
    """The register with, for each contractor, its validity today, the applications it builds
    for, and whether it is flagged (licence not valid for a declaration, or a flagged share)."""
    flagged_builders = {c.builder for c in concentrations() if c.flagged}
    unlicensed = {d.licence_no for d, _why in unlicensed_builders() if d.licence_no}
    counts = Counter(
        ContractorDeclaration.objects.filter(role=ContractorRole.BUILDER, contractor__isnull=False).values_list(
            "contractor_id", flat=True
        )
    )
    rows = []
    for c in Contractor.objects.all():
        reasons = []
        if c.licence_no in unlicensed:
            reasons.append("licence_not_valid")
        if c.licence_no in flagged_builders:
            reasons.append("concentration")
        row = {
            "name": c.name,
            "licence_no": c.licence_no,
            "licence_class": c.licence_class,
            "level": c.level,
            "valid_from": c.valid_from,
            "valid_to": c.valid_to,
            "valid_today": c.valid_on(today),
            "applications": counts.get(c.pk, 0),
            "flagged": bool(reasons),
            "reasons": reasons,
        }
        if flagged is None or row["flagged"] == flagged:
            rows.append(row)
    return rows
