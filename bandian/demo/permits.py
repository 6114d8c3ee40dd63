"""Demo data of the parallel approval: department logins and ~40 approval cases on demo applications.

Run by `manage.py demo` after the applications demo. The cases describe the past (up to the
applications demo's `DEMO_NOW`). Everything goes through the permits' services (`case_open`,
`item_approve`, `item_refuse`, `item_request_supplement`, `completion_report`,
`restoration_confirm`), each action at its own time (`at=`) and without notifications:

- historic parallel cases take the approval interval the demo application's own timeline holds
  (first intake at its `approval_started`, last decision at its `approval_completed`), so the
  application's approval clock and the case agree; a few were refused, then re-routed and
  approved as a second case within the same interval;
- commitment (告知承诺) and filing (备案) cases on energised applications without an approval
  interval are decided at intake (zero approval time, as the services do), then completion is
  reported after energisation: the older ones are restored and closed, the most recent ones wait
  for restoration, some past the deadline;
- open parallel cases on open applications: in time, past due, waiting for a supplement. Each
  opens after the last event of its application's timeline and appends `approval_started` at its
  intake, so the application's approval clock runs, as with a case opened from the pages.

Deterministic (a seeded generator, fixed dates), skipped when any approval case exists.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from bandian.accounts.models import Department, Role, User
from bandian.accounts.services import NewUser, users_create
from bandian.applications.enums import EventType, Status
from bandian.applications.models import Application, Event
from bandian.core.pdf import check_font
from bandian.core.time import SHANGHAI
from bandian.demo import applications as app_demo
from bandian.permits.models import (
    ApprovalCase,
    CasePath,
    PermitItem,
)
from bandian.permits.services import (
    case_open,
    completion_report,
    departments_sync,
    item_approve,
    item_refuse,
    item_request_supplement,
    restoration_confirm,
)
from bandian.policy.loader import active_policy
from bandian.policy.schema import Policy
from bandian.workdays.calendar import DAY, WorkCalendar
from bandian.workdays.selectors import get_calendar

SEED = 20210713 + 4
NOW = app_demo.DEMO_NOW
# username → department code; the county government of Kaili decides non-traffic road occupation.
DEPARTMENT_LOGINS = {
    "dept-housing": ("housing", "州住房城乡建设局 审批员"),
    "dept-resources": ("natural_resources", "州自然资源局 审批员"),
    "dept-transport": ("transport", "州交通运输局 审批员"),
    "dept-service": ("government_services", "州政务服务中心 审批员"),
    "kaili-gov": ("county-522601", "凯里市人民政府 审批员"),
}
# How many cases of each kind (fewer when the demo has fewer fitting applications).
PARALLEL_APPROVED = 20
PARALLEL_REFUSED = 3
RESTORED = 8
RESTORING = 5
OPEN = 6
ROUTES = ["北京东路", "韶山南路", "文化北路", "宁波路", "营盘东路", "永丰路", "清江路", "环城路"]
REFUSALS = [
    "线路穿越城市绿地核心区，请调整路径避让",
    "涉及古树名木，不予采伐，请改线",
    "道路新建未满五年，不予挖掘，请改用既有管沟",
]
SUPPLEMENT = "请补充道路开挖及恢复方案（含施工时段）"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass(frozen=True)
class PermitsDemoResult:
    loaded: bool
    cases: int = 0
    items: int = 0
    users: int = 0
    seconds: float = 0.0
    reason: str = ""


def department_logins() -> list[tuple[str, str, str]]:
    """(username, department code, what to print) of the department logins."""
    return [(u, code, note) for u, (code, note) in DEPARTMENT_LOGINS.items()]


def _users() -> dict[str, User]:
    """The department logins (created when missing), by department code."""
    departments = {d.code: d for d in Department.objects.filter(code__in=[c for c, _n in DEPARTMENT_LOGINS.values()])}
    existing = {u.username: u for u in User.objects.filter(username__in=list(DEPARTMENT_LOGINS))}
    new = [
        NewUser(
            username=username,
            role=Role.DEPARTMENT,
            department=departments[code],
            display_name=name,
            email=f"{username}@{app_demo.DEMO_EMAIL_DOMAIN}",
        )
        for username, (code, name) in DEPARTMENT_LOGINS.items()
        if username not in existing and code in departments
    ]
    if new:
        users_create(new, password=app_demo.PASSWORD)
    users = User.objects.filter(username__in=list(DEPARTMENT_LOGINS)).select_related("department")
    return {u.department.code: u for u in users if u.department is not None}


class _Writer:
    """Records cases through the permits' services, every action at its own time (`at=`) and
    without notifications (`notify_people=False`: the demo's history happened before anyone
    signed in)."""

    def __init__(self, *, policy: Policy, cal: WorkCalendar, deciders: dict[str, User]) -> None:
        self.policy = policy
        self.cal = cal
        self.deciders = deciders
        self.rng = random.Random(SEED)
        self.cases: list[ApprovalCase] = []
        self.items = 0

    def _types(self, app: Application) -> list[str]:
        kinds = list(self.policy.permits.items)
        chosen = {"road_works"} | set(self.rng.sample(kinds, self.rng.randint(0, 3)))
        return [k for k in kinds if k in chosen]

    def _after(self, t: dt.datetime, workdays: float) -> dt.datetime:
        return self.cal.deadline(t, workdays * DAY)

    def case(
        self,
        app: Application,
        *,
        opened_at: dt.datetime,
        voltage: Decimal,
        length: Decimal,
        wells: bool,
    ) -> tuple[ApprovalCase, list[PermitItem]]:
        """Open a case (`case_open`); its path follows from the route, as the policy decides.
        Filing and commitment cases are decided at intake by the service."""
        assert app.customer_manager is not None  # only managed applications are chosen
        street = self.rng.choice(ROUTES)
        types = self._types(app)
        parallel = wells  # the demo's parallel routes have wells, the others none
        case = case_open(
            application=app,
            actor=app.customer_manager,
            route=f"{voltage}kV {street}开关站—{app.address}",
            route_length_m=length,
            voltage_kv=voltage,
            has_wells=wells,
            crossings=f"{street}、绿化带" if parallel else street,
            item_types=types,
            materials=[SimpleUploadedFile("线路路径图.pdf", PDF, content_type="application/pdf")] if parallel else [],
            commitment_signed=not parallel,
            at=opened_at,
            notify_people=False,
        )
        items = list(case.items.select_related("department").order_by("pk"))
        self.cases.append(case)
        self.items += len(items)
        return case, items

    def _decider(self, item: PermitItem) -> User | None:
        return self.deciders.get(item.department.code)

    def approve(self, item: PermitItem, at: dt.datetime) -> None:
        item_approve(item=item, actor=self._decider(item), at=at, notify_people=False)

    def approve_all(self, case: ApprovalCase, items: list[PermitItem], end: dt.datetime) -> None:
        """Each department decides somewhere in [intake, end]; the last one at `end`."""
        span = (end - case.opened_at).total_seconds()
        times = sorted(case.opened_at + dt.timedelta(seconds=span * self.rng.uniform(0.2, 0.95)) for _ in items)
        times[-1] = end
        for item, at in zip(items, times, strict=True):
            self.approve(item, at)

    def refuse(self, case: ApprovalCase, items: list[PermitItem], at: dt.datetime, reason: str) -> None:
        """One department refuses; the items decided before stay, the service stops the rest."""
        refused = items[-1]
        for item in items[:-1]:
            if self.rng.random() < 0.5:
                self.approve(item, case.opened_at + (at - case.opened_at) / 2)
        item_refuse(item=refused, actor=self._decider(refused), reason=reason, at=at, notify_people=False)

    def completion(self, case: ApprovalCase, items: list[PermitItem], at: dt.datetime, *, confirm: bool) -> None:
        assert case.opened_by is not None
        completion_report(case=case, actor=case.opened_by, at=at, notify_people=False)
        if confirm:
            last = at
            for item in items:
                last = self._after(last, self.rng.uniform(0.5, 3.0))
                restoration_confirm(
                    item=item, actor=self._decider(item), note="道路绿化已恢复", at=last, notify_people=False
                )


def _approval_intervals(apps: list[Application]) -> dict[int, tuple[dt.datetime, dt.datetime]]:
    """Application id → (approval started, completed) from the timelines."""
    found: dict[int, dict[str, dt.datetime]] = {}
    events = Event.objects.filter(
        application__in=apps, type__in=[EventType.APPROVAL_STARTED, EventType.APPROVAL_COMPLETED]
    ).values_list("application_id", "type", "occurred_at")
    for pk, kind, at in events:
        found.setdefault(pk, {}).setdefault(kind, at)
    return {
        pk: (e[EventType.APPROVAL_STARTED], e[EventType.APPROVAL_COMPLETED])
        for pk, e in found.items()
        if EventType.APPROVAL_STARTED in e and EventType.APPROVAL_COMPLETED in e
    }


def load_permits_demo(*, progress: Callable[[str], None] | None = None) -> PermitsDemoResult:
    """Department logins and the demo's approval cases, once. Raises FontMissing before writing
    anything when the CJK font the cases' PDFs need is missing (a later run loads them)."""
    started = time.monotonic()
    if ApprovalCase.objects.exists():
        return PermitsDemoResult(False, reason="approval cases exist already")
    check_font()
    candidates = list(
        Application.objects.filter(
            customer_class__in=["hv_single", "hv_dual", "lv_general"], customer_manager__isnull=False
        )
        .exclude(status__in=[Status.DRAFT])
        .select_related("customer_manager")
        .order_by("no")
    )
    if not candidates:
        return PermitsDemoResult(False, reason="no demo applications with external line works")
    policy = active_policy()
    cal = get_calendar()
    with transaction.atomic():
        departments_sync()
        deciders = _users()
        w = _Writer(policy=policy, cal=cal, deciders=deciders)
        rng = w.rng
        intervals = _approval_intervals(candidates)
        hv = [a for a in candidates if a.customer_class.startswith("hv")]

        # Historic parallel cases, on the approval intervals of the timelines.
        with_interval = [a for a in candidates if a.pk in intervals and a.status == Status.ENERGISED]
        rng.shuffle(with_interval)
        for n, app in enumerate(with_interval[: PARALLEL_APPROVED + PARALLEL_REFUSED]):
            start, end = intervals[app.pk]
            voltage = Decimal("10") if app.customer_class.startswith("hv") else Decimal("0.4")
            length = Decimal(rng.choice([380, 450, 620, 800, 1200, 1650]))
            if n < PARALLEL_REFUSED:
                refused_at = start + (end - start) * rng.uniform(0.3, 0.5)
                case, items = w.case(app, opened_at=start, voltage=voltage, length=length, wells=True)
                w.refuse(case, items, refused_at, REFUSALS[n % len(REFUSALS)])
                start = refused_at + dt.timedelta(hours=2)
            case, items = w.case(app, opened_at=start, voltage=voltage, length=length, wells=True)
            w.approve_all(case, items, end)

        # Commitment and filing, decided at intake; completion reported after energisation.
        without = [
            a
            for a in candidates
            if a.pk not in intervals and a.status == Status.ENERGISED and a.energised_at is not None
        ]
        without.sort(key=lambda a: (a.energised_at, a.no))
        recent, older = without[-RESTORING:], without[:-RESTORING]
        rng.shuffle(older)
        for n, app in enumerate(older[:RESTORED] + recent):
            assert app.energised_at is not None
            lv = not app.customer_class.startswith("hv")
            filing = lv and n % 2 == 0
            voltage = Decimal("0.4") if lv else Decimal("10")
            length = Decimal(rng.choice([20, 35, 45])) if filing else Decimal(rng.choice([120, 180, 260]))
            # Intake halfway between submission and energisation (decided at once: no approval time).
            opened = app.energised_at - (app.energised_at - (app.submitted_at or app.energised_at)) / 2
            case, items = w.case(app, opened_at=opened, voltage=voltage, length=length, wells=False)
            assert case.path == (CasePath.FILING if filing else CasePath.COMMITMENT)
            reported = w._after(app.energised_at, rng.uniform(0.3, 1.5))
            w.completion(case, items, min(reported, NOW - dt.timedelta(hours=1)), confirm=app not in recent)

        # Open parallel cases on open applications: in time, past due, waiting for a supplement.
        open_apps = sorted(
            (a for a in hv if a.status in Status.open_states() and a.pk not in intervals),
            key=lambda a: (a.submitted_at or NOW, a.no),
        )
        for n, app in enumerate(open_apps[:OPEN]):
            # The oldest applications get the oldest cases: one past the case's limit, one past the items' due.
            back = [13.0, 8.0, 3.0, 2.2, 1.5, 0.6][n % 6]
            last = app.events.order_by("-seq").values_list("occurred_at", flat=True).first() or NOW
            opened = max(_workdays_before(cal, NOW, back), last + dt.timedelta(hours=1))
            if opened >= NOW - dt.timedelta(hours=1):
                continue
            # The case's intake starts the application's approval clock (`case_open` records it).
            case, items = w.case(app, opened_at=opened, voltage=Decimal("10"), length=Decimal("900"), wells=True)
            if len(items) > 1:  # one department has decided already (late, on the oldest case)
                took = back - 1.5 if back > 12 else min(back, 2.0) * 0.5
                w.approve(items[0], _past(w._after(opened, took)))
            if n % 3 == 2:
                item = items[-1]
                item_request_supplement(
                    item=item,
                    actor=w._decider(item),
                    note=SUPPLEMENT,
                    at=_past(w._after(opened, min(back, 2.0) * 0.8)),
                    notify_people=False,
                )
    seconds = time.monotonic() - started
    if progress is not None:
        progress(f"{len(w.cases)} approval cases, {w.items} permit items")
    return PermitsDemoResult(True, len(w.cases), w.items, len(deciders), seconds)


def _past(t: dt.datetime) -> dt.datetime:
    """Not after the demo's "now" (working time counted from a Friday afternoon runs into Monday)."""
    return min(t, NOW - dt.timedelta(hours=1))


def _workdays_before(cal: WorkCalendar, t: dt.datetime, workdays: float) -> dt.datetime:
    """An office-hours instant about `workdays` working days before t."""
    day = cal.add_workdays(t.astimezone(SHANGHAI).date(), -max(1, round(workdays + 0.49)))
    hour = 9 + int((workdays * 7) % 8)
    return dt.datetime.combine(day, dt.time(hour, 30), tzinfo=SHANGHAI)


__all__ = ["PermitsDemoResult", "department_logins", "load_permits_demo"]
