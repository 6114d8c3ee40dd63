"""Applications with a varied timeline, and helpers to tamper with the database directly."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from bandian.applications import services
from bandian.applications.models import Application
from bandian.core.time import SHANGHAI
from tests.conftest import draft, pdf_upload, submitted

DAY1 = dt.datetime(2026, 9, 28, 9, 15, 0, 123456, tzinfo=SHANGHAI)


@pytest.fixture
def history(alice, kaili, cm, pm) -> Application:
    """A low-voltage application with every kind of field filled somewhere in its timeline:
    documents, a pause with an evidence file from a terminal, a resume, a visit, a stage."""
    with time_machine.travel(DAY1, tick=False):
        app = submitted(
            alice,
            kaili,
            "lv_general",
            capacity_kw=Decimal("50"),
            voltage_kv=Decimal("0.38"),
            address="凯里市营盘东路 8 号",
        )
    with time_machine.travel(DAY1 + dt.timedelta(hours=2), tick=False):
        services.application_pause(
            application=app,
            reason="customer_not_ready",
            note="客户内部线路未完工",
            actor=cm,
            evidence=pdf_upload("photo.pdf"),
            device_at=DAY1 + dt.timedelta(hours=1, minutes=58),
            device_id="terminal-007",
        )
    with time_machine.travel(DAY1 + dt.timedelta(days=1), tick=False):
        services.application_resume(application=app, actor=cm, note="客户已完工")
        services.visit_record(application=app, actor=cm, note="客户到营业厅签字")
        services.stage_complete(application=app, stage="apply", actor=cm)
    app.refresh_from_db()
    return app


@pytest.fixture
def bystander(bob, kaili) -> Application:
    """Another application, which must keep verifying whatever happens to the first."""
    with time_machine.travel(DAY1, tick=False):
        return draft(bob, kaili, address="凯里市文化北路 3 号")


def run_timeline(*args: str) -> tuple[int, str]:
    """`manage.py timeline ARGS`: (exit status, everything printed)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("timeline", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue() + err.getvalue() + str(exc)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue() + err.getvalue()
    return 0, out.getvalue() + err.getvalue()
