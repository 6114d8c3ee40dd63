"""A deadline that runs past the last year the calendar holds is unknown, not guessed, and the
application goes on; loading that year computes it."""

import datetime as dt
import io
from pathlib import Path

import time_machine
from django.conf import settings
from django.core.management import call_command

from bandian.applications import services
from bandian.applications.enums import Status
from bandian.core.time import SHANGHAI
from bandian.workdays.services import calendar_year_load, read_arrangement
from tests.conftest import submitted

SAMPLE_2027 = Path(settings.BASE_DIR) / "data" / "calendar" / "sample-2027.toml"


def test_an_application_whose_deadline_runs_into_a_missing_year_is_accepted_with_the_deadline_unknown(
    alice, kaili, cm, pm
):
    with time_machine.travel(dt.datetime(2026, 12, 10, 10, tzinfo=SHANGHAI), tick=False):
        app = submitted(alice, kaili, "hv_dual")
        clocks = services.application_clocks(app)
    assert app.status == Status.IN_PROGRESS
    assert app.stage_due_at is not None  # the 2 days of 'apply' end in 2026
    assert app.due_at is None  # 30 working days end in 2027, which the calendar does not hold
    assert clocks.deadline_missing_year == 2027

    out = io.StringIO()
    with time_machine.travel(dt.datetime(2026, 12, 11, 10, tzinfo=SHANGHAI), tick=False):
        call_command("workdays", "load", str(SAMPLE_2027), stdout=out, stderr=io.StringIO())
    app.refresh_from_db()
    assert app.due_at is not None and app.due_at.year == 2027
    assert "Due dates of 1 open applications recomputed." in out.getvalue()


def test_loading_a_year_by_the_service_computes_the_deadlines_that_waited_for_it(alice, kaili, cm, pm):
    """Not only the command: whoever loads a year through the one writer refreshes the deadlines."""
    with time_machine.travel(dt.datetime(2026, 12, 10, 10, tzinfo=SHANGHAI), tick=False):
        app = submitted(alice, kaili, "hv_dual")
    assert app.due_at is None
    arrangement = read_arrangement(SAMPLE_2027)
    loaded = calendar_year_load(arrangement=arrangement)
    app.refresh_from_db()
    assert app.due_at is not None and app.due_at.year == 2027
    assert loaded.held.year == 2027


def test_the_detail_page_says_which_year_the_unknown_deadline_waits_for(alice, kaili, cm, pm):
    from tests.conftest import client_for

    with time_machine.travel(dt.datetime(2026, 12, 10, 10, tzinfo=SHANGHAI), tick=False):
        app = submitted(alice, kaili, "hv_dual")
        page = client_for(alice).get(f"/applications/{app.no}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "待 2027 年工作日历载入后计算" in page.content.decode()
