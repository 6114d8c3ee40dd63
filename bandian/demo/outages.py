"""Demo data of outage notices (issue 12), for the logins `kaili-grid` and `supervisor`, through the
outage, grid and notify services with `at=` (run by `manage.py demo` after the demo grid):

- the contacts notices go to: phones for the LV customers and HV contacts of three Kaili feeders
  (one LV customer under the demo applicant's phone, so the notice reaches an inbox too), through
  the grid's CSV loader;
- the orderly-use plans the 2021 and 2022 power shortages were rationed under (one per month of
  the imported history's rationing, prefecture-wide), so the history's rationing is authorised;
- planned outages in the future: one announced 10 days ahead; one temporary maintenance; one
  changed inside its notice period (extended), one postponed; one tried 3 days ahead and refused
  (the refusal is printed; nothing is stored); one that took place and was restored, for the
  supervisors' planned-against-actual;
- a fault with repair progress under way: crew dispatched, located with an estimate, partly
  restored, the estimate changed;
- one unauthorised rationing (an HV customer rationed with no order), told to the supervisors;
- the deliveries: each SMS sent (the console, or the configured gateway), most delivered within
  minutes, one late, some failed after every retry.

Skipped when any planned outage exists (a second run adds nothing).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Q

from bandian.accounts.models import User
from bandian.core.errors import ServiceError
from bandian.core.time import SHANGHAI
from bandian.demo.applications import APPLICANT_USERNAME, DEMO_NOW
from bandian.grid.enums import MVUserKind
from bandian.grid.models import Feeder, LVCustomer, MVUser, Transformer
from bandian.grid.services import grid_files_load
from bandian.notify.models import Message
from bandian.notify.services import receipt_record
from bandian.notify.tasks import send_messages
from bandian.outages import faults, planned, rationing
from bandian.outages.enums import OutageCause, Source
from bandian.outages.models import Interruption, PlannedOutage

OPERATOR = "kaili-grid"
KAILI = "522601"
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class OutagesDemoResult:
    loaded: bool
    plans: int = 0
    notices: int = 0
    messages: int = 0
    seconds: float = 0.0
    reason: str = ""


def _at(days: float, hour: int = 0) -> dt.datetime:
    """DEMO_NOW + days, at the given hour of that day (Asia/Shanghai) when hour is given."""
    moment = DEMO_NOW + dt.timedelta(days=days)
    if hour:
        moment = moment.astimezone(SHANGHAI).replace(hour=hour, minute=0, second=0, microsecond=0)
    return moment


def _csv(header: list[str], rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return out.getvalue().encode()


def _feeders() -> list[Feeder]:
    """Three Kaili feeders with public transformers and an HV customer in service now."""
    day = DEMO_NOW.astimezone(SHANGHAI).date()
    in_service = Q(mv_users__in_service_to__isnull=True) | Q(mv_users__in_service_to__gte=day)
    return list(
        Feeder.objects.filter(county_id=KAILI)
        .annotate(
            public=Count("mv_users", filter=in_service & Q(mv_users__kind=MVUserKind.PUBLIC_TRANSFORMER)),
            hv=Count("mv_users", filter=in_service & Q(mv_users__kind=MVUserKind.HV_CUSTOMER)),
        )
        .filter(public__gte=3, hv__gte=1)
        .order_by("code")[:3]
    )


def _contacts(feeders: list[Feeder]) -> None:
    """Phones for the LV customers and HV contacts of these feeders, through the grid's loader."""
    lv = list(
        LVCustomer.objects.filter(transformer__feeder__in=feeders).select_related("transformer").order_by("account_no")
    )
    lv_rows: list[list[object]] = [
        [c.account_no, c.name, c.transformer.code, c.county_id, APPLICANT_USERNAME if i == 0 else f"1390855{i:04d}"]
        for i, c in enumerate(lv)
    ]
    mv = list(
        MVUser.objects.filter(feeder__in=feeders, kind=MVUserKind.HV_CUSTOMER).select_related("feeder", "transformer")
    )
    mv_rows: list[list[object]] = [
        [
            u.user_id, u.kind, u.name, u.feeder.code if u.feeder else "", u.transformer.code if u.transformer else "",
            u.county_id, u.area_class, u.in_service_from.isoformat() if u.in_service_from else "",
            u.in_service_to.isoformat() if u.in_service_to else "", f"{u.name[:6]}电工", f"1398550{i:04d}",
        ]
        for i, u in enumerate(mv)
    ]  # fmt: skip
    files = {
        "mv_users": _csv(
            [
                "user_id",
                "kind",
                "name",
                "feeder",
                "transformer",
                "county",
                "area_class",
                "in_service_from",
                "in_service_to",
                "contact_name",
                "contact_phone",
            ],
            mv_rows,
        ),
        "lv_customers": _csv(["account_no", "name", "transformer", "county", "phone"], lv_rows),
    }
    reports = grid_files_load(files=files, actor=None, at=DEMO_NOW - 30 * DAY)
    problems = [e for r in reports for e in r.errors]
    if problems:
        raise RuntimeError("the demo contacts do not load: " + "; ".join(problems[:5]))


def _authorise_history() -> int:
    """One prefecture-wide orderly-use plan per month of the imported history's rationing."""
    rows = Interruption.objects.filter(cause=OutageCause.RATIONING, source=Source.IMPORTED)
    months: dict[tuple[int, int], set[int]] = {}
    for user_pk, start in rows.values_list("user__pk", "start"):
        local = start.astimezone(SHANGHAI)
        months.setdefault((local.year, local.month), set()).add(user_pk)
    for n, ((year, month), users) in enumerate(sorted(months.items()), start=1):
        first = dt.date(year, month, 1)
        last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        rationing.order_create(
            kind="plan", county=None, authority="贵州省能源局", document_no=f"黔能源电力〔{year}〕{n}号",
            issued_on=first - dt.timedelta(days=3), valid_from=first, valid_to=last,
            users=MVUser.objects.filter(pk__in=users), actor=None, at=dt.datetime.combine(first, dt.time(9), SHANGHAI),
        )  # fmt: skip
    return len(months)


def _public(feeder: Feeder, n: int) -> list[Transformer]:
    return list(
        Transformer.objects.filter(feeder=feeder, mv_users__kind=MVUserKind.PUBLIC_TRANSFORMER)
        .filter(Q(mv_users__in_service_to__isnull=True))
        .order_by("code")[:n]
    )


def _plans(operator: User, feeders: list[Feeder], say: Callable[[str], None]) -> int:
    f1, f2, f3 = feeders
    made = 0
    # Announced 10 days ahead.
    planned.planned_create(
        feeder=f1, transformers=_public(f1, 2), start=_at(12, 8), end=_at(12, 17), works="更换 10kV 柱上开关",
        area=f"{f1.name}沿线 文化北路、大十字片区", actor=operator, at=DEMO_NOW - 2 * DAY,
    )  # fmt: skip
    made += 1
    # Temporary maintenance, 2 days ahead (24 hours' notice is enough).
    planned.planned_create(
        feeder=f2, transformers=_public(f2, 1), start=_at(4, 9), end=_at(4, 12), works="配变低压桩头发热处理",
        area="金井路 12-40 号", temporary=True, actor=operator, at=DEMO_NOW - 2 * DAY,
    )  # fmt: skip
    made += 1
    # Announced 13 days ahead, extended inside its notice period.
    extended, _n = planned.planned_create(
        feeder=f3, transformers=_public(f3, 2), start=_at(3, 8), end=_at(3, 14), works="线路迁改（配合道路施工）",
        area="开怀街道 鸭塘村", actor=operator, at=DEMO_NOW - 10 * DAY,
    )  # fmt: skip
    planned.planned_change(
        plan=extended, end=_at(3, 18), reason="迁改工程量增加", actor=operator, at=DEMO_NOW - 1 * DAY
    )
    made += 1
    # Postponed a week, well ahead.
    postponed, _n = planned.planned_create(
        feeder=f1, transformers=_public(f1, 3)[2:], start=_at(15, 8), end=_at(15, 12), works="变压器增容",
        area="营盘东路", actor=operator, at=DEMO_NOW - 3 * DAY,
    )  # fmt: skip
    planned.planned_change(
        plan=postponed, start=_at(22, 8), end=_at(22, 12), reason="设备到货推迟", actor=operator, at=DEMO_NOW - 1 * DAY
    )
    made += 1
    # Too late: refused, nothing kept.
    try:
        planned.planned_create(
            feeder=f2, start=_at(3, 8), end=_at(3, 12), works="线路检修", area="全线", actor=operator,
            at=DEMO_NOW - 6 * HOUR,
        )  # fmt: skip
    except ServiceError as exc:
        say(f"a plan 3 days ahead refused as planned: {exc}")
    # One that took place last month and was restored an hour late.
    done, _n = planned.planned_create(
        feeder=f2, transformers=_public(f2, 2), start=_at(-12, 8), end=_at(-12, 12), works="导线更换",
        area="清江路", actor=operator, at=DEMO_NOW - 21 * DAY,
    )  # fmt: skip
    event = planned.planned_begin(plan=done, actor=operator, at=_at(-12, 8))
    faults.progress_add(event=event, stage="restored", note="按计划完成", actor=operator, at=_at(-12, 13))
    return made + 1


def _fault(operator: User, feeder: Feeder) -> None:
    start = DEMO_NOW - 3 * HOUR
    event, _n = faults.fault_report(
        feeder=feeder, cause=OutageCause.EXTERNAL, start=start, area=f"{feeder.name} 北京东路、韶山南路一带",
        description="大风导致树枝搭线", actor=operator, at=start + 10 * dt.timedelta(minutes=1),
    )  # fmt: skip
    faults.progress_add(event=event, stage="dispatched", actor=operator, at=start + 20 * dt.timedelta(minutes=1))
    faults.progress_add(
        event=event, stage="located", estimated_restoration=DEMO_NOW + 2 * HOUR, note="10 号杆处树枝搭线",
        actor=operator, at=start + HOUR,
    )  # fmt: skip
    first = event.affected_users.filter(kind=MVUserKind.PUBLIC_TRANSFORMER).order_by("user_id")[:1]
    faults.progress_add(
        event=event, stage="partly_restored", users=list(first), note="已转供", actor=operator, at=start + 2 * HOUR
    )
    faults.progress_add(
        event=event, stage="estimate", estimated_restoration=DEMO_NOW + 3 * HOUR, note="需更换一段导线",
        actor=operator, at=start + 150 * dt.timedelta(minutes=1),
    )  # fmt: skip


def _unauthorised(operator: User, feeder: Feeder) -> None:
    hv = Transformer.objects.filter(feeder=feeder, mv_users__kind=MVUserKind.HV_CUSTOMER).order_by("code")[:1]
    start = DEMO_NOW - 30 * HOUR
    event, _n = faults.fault_report(
        feeder=feeder, transformers=list(hv), cause=OutageCause.RATIONING, start=start, area="经济开发区",
        description="负荷紧张，拉闸限电", actor=operator, at=start,
    )  # fmt: skip
    faults.progress_add(event=event, stage="restored", actor=operator, at=start + 4 * HOUR)


def _deliver() -> int:
    """Send the notices' SMS and record the gateway's receipts: most delivered in minutes, every
    tenth an hour and a half late, every seventh failed after every retry."""
    outbox = Message.objects.filter(kind__startswith="outage.", channel=Message.Channel.SMS)
    send_messages(list(outbox.filter(status=Message.Status.QUEUED).values_list("pk", flat=True)))
    sent = list(outbox.filter(status=Message.Status.SENT).exclude(provider_id="").order_by("pk"))
    for i, message in enumerate(sent):
        assert message.sent_at is not None
        if i % 7 == 3:
            for _try in range(5):
                receipt_record(provider_id=message.provider_id, delivered=False, answer="UNDELIV 手机关机或停机")
        else:
            late = dt.timedelta(minutes=90 if i % 10 == 5 else 1 + i % 9)
            receipt_record(provider_id=message.provider_id, delivered=True, answer="DELIVRD", at=message.sent_at + late)
    return len(sent)


def load_outages_demo(*, progress: Callable[[str], None] | None = None) -> OutagesDemoResult:
    started = time.monotonic()
    say = progress or (lambda line: None)
    if PlannedOutage.objects.exists():
        return OutagesDemoResult(False, reason="planned outages exist already")
    operator = User.objects.filter(username=OPERATOR).first()
    if operator is None:
        return OutagesDemoResult(False, reason=f"no {OPERATOR} login")
    feeders = _feeders()
    if len(feeders) < 3:
        return OutagesDemoResult(False, reason="the demo grid has too few Kaili feeders")
    _contacts(feeders)
    orders = _authorise_history()
    say(f"{orders} orderly-use plans authorising the history's rationing")
    plans = _plans(operator, feeders, say)
    _fault(operator, feeders[0])
    _unauthorised(operator, feeders[1])
    sent = _deliver()
    from bandian.outages.models import Notice

    return OutagesDemoResult(
        True, plans=plans, notices=Notice.objects.count(), messages=sent, seconds=time.monotonic() - started
    )
