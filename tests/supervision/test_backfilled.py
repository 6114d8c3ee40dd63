"""Back-filled events (a terminal's time earlier than the previous event's receipt) are listed for
the supervisors: the plan forbids back-filling steps."""

import datetime as dt

import time_machine

from bandian.applications import services
from bandian.core.time import SHANGHAI
from tests.conftest import client_for, submitted

PAGE = "/supervision/compliance/"


def test_an_application_with_a_back_filled_step_is_listed_for_its_year(alice, kaili, cm, pm, supervisor):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=SHANGHAI), tick=False):
        app = submitted(alice, kaili)
    with time_machine.travel(dt.datetime(2026, 3, 3, 9, tzinfo=SHANGHAI), tick=False):
        services.visit_record(application=app, actor=cm, note="到厅核对资料")
        # Recorded a day later, claiming to have happened before the visit was received.
        services.stage_complete(
            application=app,
            stage="apply",
            actor=cm,
            device_at=dt.datetime(2026, 3, 2, 17, tzinfo=SHANGHAI),
            device_id="terminal-7",
        )

    page = client_for(supervisor).get(PAGE, {"year": "2026"}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    table = page.split('id="backfilled"', 1)[1]
    assert app.no in table.split("</table>", 1)[0]

    other_year = client_for(supervisor).get(PAGE, {"year": "2025"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert 'id="no-backfilled"' in other_year.content.decode()


def test_steps_recorded_as_they_happen_are_not_listed(alice, kaili, cm, pm, supervisor):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=SHANGHAI), tick=False):
        app = submitted(alice, kaili)
    with time_machine.travel(dt.datetime(2026, 3, 3, 9, tzinfo=SHANGHAI), tick=False):
        services.stage_complete(
            application=app,
            stage="apply",
            actor=cm,
            device_at=dt.datetime(2026, 3, 3, 8, 59, tzinfo=SHANGHAI),
            device_id="terminal-7",
        )

    page = client_for(supervisor).get(PAGE, {"year": "2026"}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'id="no-backfilled"' in page
