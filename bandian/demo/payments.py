"""Demo payment orders (issue 11.3): the high-reliability supply fee of dual-supply applications.

Run by `manage.py demo` after the applications demo, and once: skipped when any payment order
exists. Everything goes through the public write paths with `at=` before the demo's "now":

- the demo applicant gets a dual-supply application of their own (imported as history, like the
  rest of the demo: submitted, accepted, now at the supply plan), with one order waiting for
  payment, which they can pay on the sandbox page;
- on another open dual-supply application (the applicant's own when there is none): an order
  issued for the wrong line type and cancelled, one paid through the sandbox, and one issued
  twice by mistake, paid, then refunded.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from bandian.accounts.models import User
from bandian.applications.enums import Channel, Status
from bandian.applications.importer import RecordError, plan_record, validate_record
from bandian.applications.models import Application, Event
from bandian.applications.payments import services
from bandian.applications.payments.models import PaymentOrder
from bandian.applications.services import derive_history, history_attribute, import_histories
from bandian.core.identity import applicant_ref
from bandian.core.time import SHANGHAI
from bandian.demo import applications as app_demo
from bandian.policy.loader import active_policy
from bandian.policy.schema import PolicyGap
from bandian.workdays.calendar import CalendarYearMissing

NOW = app_demo.DEMO_NOW
CABLE = "high_reliability_cable"
OVERHEAD = "high_reliability_overhead"
KAILI = "522601"
# The demo applicant's dual-supply application: submitted on Monday 16 November 2026, accepted
# the next day; the order of the supply plan's high-reliability fee on Wednesday the 25th.
OWN_SUBMITTED = dt.datetime(2026, 11, 16, 9, 30, tzinfo=SHANGHAI)
OWN_ACCEPTED = dt.datetime(2026, 11, 17, 10, 0, tzinfo=SHANGHAI)
OWN_ORDER = dt.datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)
OWN_CAPACITY_KW = 1250.0


@dataclass(frozen=True)
class PaymentsDemoResult:
    loaded: bool
    orders: int
    seconds: float
    reason: str = ""


def _own_application(applicant: User) -> Application:
    """The demo applicant's dual-supply application in Kaili, as a history record."""
    policy = active_policy()
    latest = Application.objects.filter(no__startswith="QDN-2026-").order_by("-no").values_list("no", flat=True).first()
    number = int(latest.rsplit("-", 1)[1]) + 1 if latest else 1
    staff = app_demo.staff_usernames(KAILI)
    managers = {
        u.username: u for u in User.objects.filter(username__in=staff["customer_manager"] + staff["project_manager"])
    }
    record = {
        "no": f"QDN-2026-{number:06d}",
        "customer_class": "hv_dual",
        "county": KAILI,
        "urban": True,
        "capacity_kw": OWN_CAPACITY_KW,
        "voltage_kv": 10.0,
        "applicant_id": applicant_ref(app_demo.APPLICANT_ID_NUMBER),
        "address": "凯里市开发区清江路 88 号（双电源）",
        "documents": list(policy.classes["hv_dual"].documents),
        "events": [
            {"at": OWN_SUBMITTED.isoformat(), "type": "submitted"},
            {"at": OWN_ACCEPTED.isoformat(), "type": "stage_completed", "stage": "apply"},
        ],
    }
    try:
        valid = validate_record(record, policy=policy)
        history = history_attribute(
            plan_record(valid, policy=policy),
            channel=Channel.ONLINE,
            applicant=applicant,
            customer_manager=managers[staff["customer_manager"][0]],
            project_manager=managers[staff["project_manager"][0]],
        )
        derive_history(history, policy=policy)
    except (RecordError, CalendarYearMissing, PolicyGap) as exc:
        raise RuntimeError(f"demo payments: the applicant's dual-supply application: {exc}") from exc
    import_histories([history])
    return Application.objects.get(no=record["no"])


def _customer_manager(app: Application) -> User:
    return User.objects.get(username=app_demo.staff_usernames(app.county_id)["customer_manager"][0])


def _history_of_orders(app: Application) -> int:
    """Cancelled, paid and refunded orders on an open dual-supply application, spaced over the
    time between its last event and the demo's "now"."""
    last = Event.objects.filter(application=app).order_by("-occurred_at").values_list("occurred_at", flat=True)[0]
    span = NOW - last

    def step(k: int) -> dt.datetime:
        return last + span * k / 10

    cm = _customer_manager(app)
    kva = str(app.capacity_kw.quantize(Decimal("1")))
    wrong = services.payment_order_issue(
        application=app, lines=[services.OrderLine(OVERHEAD, Decimal(kva))], actor=cm, at=step(1), notify_people=False
    )
    services.payment_order_cancel(
        order=wrong, actor=cm, reason="线路类型开错：供电方案为电缆线路", at=step(2), notify_people=False
    )
    paid = services.payment_order_issue(
        application=app, lines=[services.OrderLine(CABLE, Decimal(kva))], actor=cm, at=step(3), notify_people=False
    )
    twice = services.payment_order_issue(
        application=app, lines=[services.OrderLine(CABLE, Decimal(kva))], actor=cm, at=step(4), notify_people=False
    )
    for n, order in enumerate((paid, twice), start=1):
        services.payment_order_pay(
            order=order,
            provider="sandbox",
            transaction_ref=f"SBX-DEMO-{app.no}-{n}",
            amount=order.amount,
            at=step(4 + n),
            notify_people=False,
        )
    services.payment_order_refund(
        order=twice, actor=cm, reason="重复开具，客户缴纳两次，退回一笔", at=step(8), notify_people=False
    )
    return 3


def load_payments_demo() -> PaymentsDemoResult:
    started = time.monotonic()
    if PaymentOrder.objects.exists():
        return PaymentsDemoResult(False, 0, 0.0, "payment orders exist already")
    if not app_demo.is_loaded():
        return PaymentsDemoResult(False, 0, 0.0, "the applications demo is not loaded")
    if {CABLE, OVERHEAD} - {item.code for item in active_policy().fees}:
        return PaymentsDemoResult(False, 0, 0.0, "the policy's fee catalogue lacks the high-reliability fees")
    applicant = User.objects.get(username=app_demo.APPLICANT_USERNAME)
    with transaction.atomic():
        own = _own_application(applicant)
        services.payment_order_issue(
            application=own,
            lines=[services.OrderLine(CABLE, Decimal(str(int(OWN_CAPACITY_KW))))],
            actor=_customer_manager(own),
            at=OWN_ORDER,
            note="双电源高可靠性供电费（示例金额）",
            notify_people=False,
        )
        other = (
            Application.objects.filter(customer_class="hv_dual", status=Status.IN_PROGRESS)
            .exclude(pk=own.pk)
            .order_by("no")
            .first()
        )
        orders = 1 + _history_of_orders(other or own)
    return PaymentsDemoResult(True, orders, time.monotonic() - started)
