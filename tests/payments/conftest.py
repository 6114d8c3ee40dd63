"""Payment fixtures: a dual-supply application (the high-reliability fee applies), a residential
one (no fee applies), and a policy whose catalogue also holds a fee inside the investment boundary."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from bandian.applications.payments import services
from bandian.applications.payments.models import PaymentOrder
from bandian.policy.loader import active_policy
from tests.conftest import submitted

BOUNDARY_FEE = """
[[fees]]
code = "meter_box"
zh = "计量箱"
en = "Meter box"
amount = 350.00
unit = "item"
classes = ["lv_sanling", "lv_general"]
basis = "测试〔2021〕1号"
within_investment_boundary = true
from = 2021-07-13

[[fees]]
code = "service_misc"
zh = "误列的收费"
en = "A fee listed by mistake"
amount = 50.00
unit = "item"
classes = ["lv_sanling"]
basis = "测试〔2021〕2号"
from = 2021-07-13

[[fees]]
code = "old_fee"
zh = "已废止的收费"
en = "A fee no longer in force"
amount = 10.00
unit = "item"
classes = ["hv_dual"]
basis = "测试〔2019〕1号"
from = 2019-01-01
to = 2020-12-31
"""


@pytest.fixture
def dual(alice, kaili, cm, pm):
    """alice's dual-supply application of 800 kW in Kaili, submitted."""
    return submitted(alice, kaili, "hv_dual", capacity_kw=Decimal("800"), voltage_kv=Decimal("10"))


@pytest.fixture
def residential(alice, kaili, cm, pm):
    return submitted(alice, kaili)


@pytest.fixture
def boundary_policy(settings, tmp_path):
    """The shipped policy plus a fee inside the investment boundary (for 三零 classes) and an
    expired one."""
    path = tmp_path / "fees.toml"
    path.write_text(Path(django_settings.POLICY_FILE).read_text(encoding="utf-8") + BOUNDARY_FEE, encoding="utf-8")
    settings.POLICY_FILE = path
    active_policy.cache_clear()
    yield
    active_policy.cache_clear()


def issue(app, actor, code="high_reliability_cable", quantity="800", **kw) -> PaymentOrder:
    return services.payment_order_issue(
        application=app, lines=[services.OrderLine(code=code, quantity=Decimal(quantity))], actor=actor, **kw
    )


def pay(order, transaction=None, amount=None, **kw) -> PaymentOrder:
    return services.payment_order_pay(
        order=order,
        provider="sandbox",
        transaction_ref=transaction or f"TX-{order.no}",
        amount=amount or order.amount,
        **kw,
    )


def energise(app, actor, at=None):
    """Complete every remaining step of the application's class."""
    from bandian.applications.services import stage_complete

    app.refresh_from_db()
    while app.current_stage:
        app = stage_complete(application=app, stage=app.current_stage, actor=actor, at=at)
    return app
