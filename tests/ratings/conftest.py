"""The service rating: applications ended on Monday 1 June 2026 (Asia/Shanghai) in Kaili."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from bandian.accounts.models import County, User
from bandian.applications import services as app_services
from bandian.applications.models import Application
from bandian.core.time import SHANGHAI
from tests.conftest import submitted

MONDAY = dt.datetime(2026, 6, 1, 10, 0, tzinfo=SHANGHAI)


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def now():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


def energised(applicant: User, county: County, cm: User, **kw) -> Application:
    app = submitted(applicant, county, **kw)
    for stage in ("apply", "connect"):
        app = app_services.stage_complete(application=app, stage=stage, actor=cm)
    return app


@pytest.fixture
def done(now, alice, kaili, cm, pm) -> Application:
    return energised(alice, kaili, cm)


def counter_customer(clerk: User, county: County, cm: User, n: int = 1) -> Application:
    """An application a counter clerk entered for a person without an account, energised."""
    from bandian.policy.loader import active_policy
    from tests.conftest import pdf_upload

    app = app_services.application_enter_at_counter(
        clerk=clerk,
        applicant_name="王芳",
        phone=f"1390000{n:04d}",
        county=county,
        customer_class="residential",
        urban=True,
        address=f"凯里市营业厅路 {n} 号",
        capacity_kw=Decimal("8"),
        voltage_kv=Decimal("0.22"),
    )
    for kind in active_policy().classes[app.customer_class].documents:
        app_services.document_upload(application=app, kind=kind, upload=pdf_upload(), actor=clerk)
    app = app_services.application_submit(application=app, actor=clerk)
    for stage in ("apply", "connect"):
        app = app_services.stage_complete(application=app, stage=stage, actor=cm)
    return app
