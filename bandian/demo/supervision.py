"""The supervision loop's demo: a year of key-task ledger updates and reviews, the 2026 annual plan
filed on time (2027's still due), complaints linked and unlinked at every state, contractors (one
licence expired) with one concentrated builder, and the rectification list at every state (one
sent back, one reopened) — all through the supervision services, with `at=` as it happened.

Loaded once (skipped when the ledger has rows), after the applications, the grid and outages.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from bandian.accounts.models import Department, Role, User
from bandian.accounts.services import NewUser, users_create
from bandian.applications.enums import Status as AppStatus
from bandian.applications.models import Application
from bandian.core.time import SHANGHAI
from bandian.demo import applications as app_demo
from bandian.outages.models import OutageEvent
from bandian.policy.loader import active_policy
from bandian.supervision import annual, complaints, contractors, ledger
from bandian.supervision.models import LedgerEntry, Rectification, Source, Status, TaskStatus
from bandian.supervision.rectifications import rectification_act, rectification_open
from bandian.supervision.sources import scan

NOW = app_demo.DEMO_NOW
SEED = 20260228
# The units' logins the supervision demo adds (the permit departments' logins exist already).
UNIT_LOGINS = {
    "dept-miit": ("miit", "州工业和信息化局 联络员"),
    "dept-police": ("police", "州公安局 联络员"),
    "dept-market": ("market", "州市场监管局 联络员"),
}
# The permit departments' logins (bandian.demo.permits) by unit code.
PERMIT_LOGINS = {
    "housing": "dept-housing",
    "natural_resources": "dept-resources",
    "transport": "dept-transport",
    "government_services": "dept-service",
    "counties": "kaili-gov",
}
# A tiny PDF for the evidence and plan files.
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CONTRACTORS = (
    "name,licence_no,licence_class,level,valid_from,valid_to\n"
    "贵州黔电建设有限公司,5-1-00101-2019,承装、承修、承试,三级,2019-03-01,2029-02-28\n"
    "凯里明光电力工程有限公司,5-1-00102-2020,承装、承修,四级,2020-06-01,2026-05-31\n"
    "黔东南安达电气安装有限公司,5-1-00103-2021,承装、承修,四级,2021-01-01,2030-12-31\n"
    "镇远县供电服务有限公司,5-1-00104-2022,承装,五级,2022-04-01,2032-03-31\n"
    "贵州南能电力科技有限公司,5-1-00105-2018,承装、承修、承试,二级,2018-09-01,2028-08-31\n"
    "雷山县兴电工程队,5-1-00106-2016,承装,五级,2016-01-01,2022-12-31\n"
)
CONCENTRATED = ("贵州黔电建设有限公司", "5-1-00101-2019")
OTHER_BUILDERS = [
    ("黔东南安达电气安装有限公司", "5-1-00103-2021"),
    ("贵州南能电力科技有限公司", "5-1-00105-2018"),
    ("凯里明光电力工程有限公司", "5-1-00102-2020"),
]


@dataclass(frozen=True)
class SupervisionDemoResult:
    loaded: bool
    ledger_entries: int = 0
    complaints: int = 0
    items: int = 0
    seconds: float = 0.0
    reason: str = ""


def _at(y: int, m: int, d: int, h: int = 10) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=SHANGHAI)


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def fixed_logins() -> list[tuple[str, str]]:
    return [(u, note) for u, (_code, note) in UNIT_LOGINS.items()]


def _unit_logins() -> dict[str, User]:
    """A login per responsible unit: the utility's customer manager, the supervisor, the
    departments' logins (created when missing)."""
    ledger.unit_departments_sync()
    departments = {d.code: d for d in Department.objects.filter(code__in=[c for c, _n in UNIT_LOGINS.values()])}
    existing = set(User.objects.filter(username__in=list(UNIT_LOGINS)).values_list("username", flat=True))
    new = [
        NewUser(
            username=u,
            role=Role.DEPARTMENT,
            department=departments[code],
            display_name=name,
            email=f"{u}@{app_demo.DEMO_EMAIL_DOMAIN}",
        )
        for u, (code, name) in UNIT_LOGINS.items()
        if u not in existing
    ]
    if new:
        users_create(new, password=app_demo.PASSWORD, at=_at(2026, 1, 4))
    users = {
        u.username: u
        for u in User.objects.filter(username__in=[*UNIT_LOGINS, *PERMIT_LOGINS.values(), "kaili-cm1", "supervisor"])
    }
    by_unit = {code: users[u] for u, (code, _n) in UNIT_LOGINS.items() if u in users}
    by_unit |= {code: users[u] for code, u in PERMIT_LOGINS.items() if u in users}
    by_unit["utility"] = users["kaili-cm1"]
    by_unit["drc"] = users["supervisor"]
    return by_unit


def _ledger(rng: random.Random, logins: dict[str, User], supervisor: User) -> int:
    """Monthly updates through the year; the police's last one in June, so it shows as stale."""
    n = 0
    for task in active_policy().supervision.key_tasks:
        for unit in task.units:
            who = logins.get(unit)
            if who is None:
                continue
            last_month = 6 if unit == "police" else 11
            for month in range(2, last_month + 1, 2 if unit != "utility" else 1):
                ledger.ledger_update(
                    year=2026,
                    task=task.number,
                    unit=unit,
                    measures=f"{task.zh}：第 {month} 月工作措施",
                    progress=f"完成年度计划的 {min(100, month * 9)}%",
                    started_on=dt.date(2026, 1, 15),
                    planned_on=dt.date(2026, 12, 31),
                    evidence=_pdf("evidence.pdf") if month == last_month else None,
                    actor=who,
                    at=_at(2026, month, rng.randint(3, 25)),
                )
                n += 1
        status = [TaskStatus.ON_TRACK, TaskStatus.ON_TRACK, TaskStatus.BEHIND, TaskStatus.DONE][task.number % 4]
        ledger.task_review(
            year=2026, task=task.number, status=status, comment="半年督查意见", actor=supervisor, at=_at(2026, 7, 10)
        )
    return n


def _complaints(admin: User, supervisor: User, cm: User) -> int:
    """Complaints linked by number, by phone and address and to an outage, and unlinked; received
    (one past its limit), accepted, extended, answered upheld and not, rejected."""
    apps = list(
        Application.objects.filter(county_id="522601", status=AppStatus.ENERGISED).exclude(phone="").order_by("no")[:3]
    )
    outage = OutageEvent.objects.filter(county_id="522601").order_by("-start").first()
    rows: list[dict[str, object]] = []
    if apps:
        rows.append(
            {
                "ticket": "NEA-2026-0311",
                "category": "connection_time",
                "application_no": apps[0].no,
                "text": "报装后迟迟未接电",
                "at": _at(2026, 3, 11),
                "steps": "upheld",
            }
        )
    if len(apps) > 1:
        rows.append(
            {
                "ticket": "95598-2026-0520",
                "category": "service",
                "phone": apps[1].phone,
                "address": apps[1].address,
                "text": "客户经理未按约定时间联系",
                "at": _at(2026, 5, 20),
                "steps": "not_upheld",
            }
        )
    if outage is not None:
        rows.append(
            {
                "ticket": "95598-2026-0815",
                "category": "outage",
                "outage_reference": outage.reference,
                "text": "停电前没有收到通知",
                "at": _at(2026, 8, 15),
                "steps": "extended",
            }
        )
    rows += [
        {
            "ticket": "NEA-2026-0902",
            "category": "designation",
            "phone": "13985550102",
            "text": "办电时被要求找指定的施工单位",
            "at": _at(2026, 9, 2),
            "steps": "accepted",
        },
        {
            "ticket": "NEA-2026-1010",
            "category": "fees",
            "phone": "13985550103",
            "text": "被收取表箱费用",
            "at": _at(2026, 10, 10),
            "steps": "rejected",
        },
        {
            "ticket": "95598-2026-1116",
            "category": "other",
            "phone": "13985550104",
            "text": "营业厅排队时间长",
            "at": _at(2026, 11, 16),
            "steps": "received",
        },
        {
            "ticket": "NEA-2026-1126",
            "category": "connection_time",
            "phone": "13985550105",
            "text": "线上申请无法提交",
            "at": _at(2026, 11, 26),
            "steps": "received",
        },
    ]
    for row in rows:
        when = row["at"]
        assert isinstance(when, dt.datetime)
        c = complaints.complaint_receive(
            hotline="12398" if str(row["ticket"]).startswith("NEA") else "95598",
            ticket=str(row["ticket"]),
            received_at=when,
            category=str(row["category"]),
            text=str(row["text"]),
            phone=str(row.get("phone", "")),
            address=str(row.get("address", "")),
            application_no=str(row.get("application_no", "")),
            outage_reference=str(row.get("outage_reference", "")),
            actor=supervisor,
            at=when,
        )
        steps = row["steps"]
        if steps == "received":
            continue
        if steps == "rejected":
            complaints.complaint_decide(
                c,
                accept=False,
                note="不属于能源监管投诉范围，已转相关部门",
                actor=supervisor,
                at=when + dt.timedelta(days=2),
            )
            continue
        complaints.complaint_decide(c, accept=True, note="", actor=supervisor, at=when + dt.timedelta(days=1))
        if steps == "extended":
            complaints.complaint_extend(c, reason="需调取停电记录核实", actor=cm, at=when + dt.timedelta(days=50))
        elif steps in ("upheld", "not_upheld"):
            complaints.complaint_answer(
                c,
                answer="经核实，已督促整改并向投诉人说明"
                if steps == "upheld"
                else "经核实，客户经理已按约定联系，投诉不属实",
                upheld=steps == "upheld",
                actor=cm,
                at=when + dt.timedelta(days=20),
            )
    return len(rows)


def _contractors(rng: random.Random, cm: User) -> None:
    """The register, and the Kaili high-voltage applications' declared builders: most go to one
    builder (三指定 for review), one to a builder whose licence had expired."""
    contractors.import_csv(CONTRACTORS, actor=None, at=_at(2026, 1, 5))
    hv = list(
        Application.objects.filter(county_id="522601", customer_class__in=["hv_single", "hv_dual"], customer_manager=cm)
        .exclude(status=AppStatus.DRAFT)
        .order_by("no")
    )
    for i, app in enumerate(hv):
        if i == 0:
            builder = ("雷山县兴电工程队", "5-1-00106-2016")  # licence expired in 2022
        elif i % 4 == 3:
            builder = OTHER_BUILDERS[i % len(OTHER_BUILDERS)]
        else:
            builder = CONCENTRATED
        contractors.declare_contractors(
            application=app,
            declarations={"designer": ("贵州电力设计研究院", "A152000001"), "builder": builder},
            actor=cm,
            at=(app.submitted_at or NOW) + dt.timedelta(days=2),
        )


def _loop(supervisor: User, cm: User, logins: dict[str, User]) -> int:
    """The daily scan at the demo's now, then items moved to every state."""
    scan(at=NOW - dt.timedelta(hours=1), notify_people=False)
    housing = logins.get("housing")
    manual = [
        ("营业厅未按规定公示收费项目目录清单", "utility", "522601", dt.date(2026, 9, 30), _at(2026, 9, 1)),
        ("配电网接入能力信息未按季度更新", "utility", None, dt.date(2026, 10, 31), _at(2026, 9, 15)),
        ("占用城市绿地审批超过 5 个工作日", "housing", None, dt.date(2026, 11, 20), _at(2026, 10, 8)),
        ("线上办电渠道对高压用户不完整", "utility", None, dt.date(2026, 12, 20), _at(2026, 11, 2)),
        ("停电信息未通过即时通讯推送", "utility", "522601", dt.date(2026, 12, 15), _at(2026, 11, 10)),
        ("农网改造项目进度滞后", "utility", "522601", dt.date(2026, 12, 31), _at(2026, 11, 20)),
    ]
    items = []
    for title, unit, county, due, when in manual:
        item, _c = rectification_open(
            source=Source.INSPECTION,
            title=title,
            unit=unit,
            county=county,
            due_on=due,
            actor=supervisor,
            at=when,
            notify_people=False,
        )
        items.append(item)
    closed, sent_back, housing_item, reopened, submitted, rectifying = items

    def act(
        item: Rectification, action: str, who: User, days: float, note: str = "", measures: str = ""
    ) -> Rectification:
        when = item.opened_at + dt.timedelta(days=days)
        return rectification_act(
            item, action=action, actor=who, at=when, note=note, measures=measures, notify_people=False
        )

    closed = act(closed, "started", cm, 2)
    closed = act(
        closed, "submitted", cm, 10, measures="营业厅和网上国网同步公示收费项目目录清单", note="已公示并拍照留存"
    )
    act(closed, "verified", supervisor, 14, note="现场检查属实，销号")
    sent_back = act(sent_back, "submitted", cm, 20, measures="按月更新接入能力", note="已更新")
    act(sent_back, "sent_back", supervisor, 25, note="更新频率未写入制度，请补充")
    if housing is not None:
        housing_item = act(housing_item, "started", housing, 1)
        act(housing_item, "submitted", housing, 30, measures="纳入工程建设项目审批系统并联办理", note="已整改")
    reopened = act(reopened, "submitted", cm, 5, measures="开通高压线上申请", note="已上线")
    reopened = act(reopened, "verified", supervisor, 7, note="已核实")
    act(reopened, "reopened", supervisor, 15, note="复查发现双电源用户仍需线下提交")
    act(submitted, "submitted", cm, 8, measures="接入企业微信群推送", note="已接入")
    act(rectifying, "started", cm, 3)
    # Some of the items the scan opened: a few in progress, one crossed off.
    auto = list(
        Rectification.objects.exclude(source=Source.INSPECTION)
        .filter(status=Status.OPEN, unit="utility", county_id=cm.county_id)
        .order_by("no")[:3]
    )
    for i, item in enumerate(auto):
        item = rectification_act(
            item, action="started", actor=cm, at=NOW - dt.timedelta(minutes=50 - i), notify_people=False
        )
        if i == 0:
            item = rectification_act(
                item,
                action="submitted",
                actor=cm,
                measures="已督促办结",
                note="已办结",
                at=NOW - dt.timedelta(minutes=40),
            )
            rectification_act(
                item,
                action="verified",
                actor=supervisor,
                note="核实",
                at=NOW - dt.timedelta(minutes=30),
                notify_people=False,
            )
    return Rectification.objects.count()


def load_supervision_demo(*, progress: Callable[[str], None] | None = None) -> SupervisionDemoResult:
    started = time.monotonic()
    if LedgerEntry.objects.exists() or Rectification.objects.exists():
        return SupervisionDemoResult(False, reason="the supervision data exists already")
    users = {u.username: u for u in User.objects.filter(username__in=["supervisor", "admin", "kaili-cm1"])}
    if len(users) < 3:
        return SupervisionDemoResult(False, reason="the demo's staff logins are missing")
    supervisor, admin, cm = users["supervisor"], users["admin"], users["kaili-cm1"]
    rng = random.Random(SEED)
    with transaction.atomic():
        logins = _unit_logins()
        entries = _ledger(rng, logins, supervisor)
        annual.annual_plan_file(
            year=2026,
            title="凯里供电局 2026 年提升“获得电力”服务水平实施方案",
            upload=_pdf("plan-2026.pdf"),
            actor=admin,
            at=_at(2026, 2, 20),
        )
        annual.interim_report_file(
            title="上半年阶段性成效和突出问题",
            text="低压小微企业平均接电时间压减至 6 个工作日；部分县市外线审批仍需线下提交。",
            actor=admin,
            at=_at(2026, 7, 5),
        )
        n_complaints = _complaints(admin, supervisor, cm)
        _contractors(rng, cm)
        items = _loop(supervisor, cm, logins)
    if progress:
        progress(f"supervision: {entries} ledger updates, {n_complaints} complaints, {items} rectification items")
    return SupervisionDemoResult(True, entries, n_complaints, items, time.monotonic() - started)
