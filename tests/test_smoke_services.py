import datetime as dt

import time_machine

from bandian.applications import services
from bandian.applications.enums import Status
from bandian.core.time import SHANGHAI
from tests.conftest import submitted


def test_residential_application_runs_to_energisation_on_the_full_process_clock(alice, kaili, cm, pm):
    with time_machine.travel(dt.datetime(2026, 9, 30, 10, tzinfo=SHANGHAI), tick=False):
        app = submitted(alice, kaili)
    assert app.status == Status.IN_PROGRESS
    assert app.customer_manager == cm and app.project_manager == pm
    assert app.current_stage == "apply"
    # 5 working days from 2026-09-30 10:00 over National Day end 2026-10-13 10:00 (requirements §4).
    assert app.due_at == dt.datetime(2026, 10, 13, 10, tzinfo=SHANGHAI)
    with time_machine.travel(dt.datetime(2026, 9, 30, 16, tzinfo=SHANGHAI), tick=False):
        services.stage_complete(application=app, stage="apply", actor=cm)
    with time_machine.travel(dt.datetime(2026, 10, 9, 15, tzinfo=SHANGHAI), tick=False):
        app = services.stage_complete(application=app, stage="connect", actor=pm)
        clocks = services.application_clocks(app)
    assert app.status == Status.ENERGISED
    assert round(clocks.full_process_workdays * 24) == 53
