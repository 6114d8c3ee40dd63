"""Who changed what in the outage records: entering an event, each restoration step, closing it and
each import are recorded with the actor and the time, and shown on the event's page and the import
page to the people who may read outages, and to nobody else."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from bandian.core.time import SHANGHAI
from bandian.grid.models import Change, MVUser
from bandian.outages import services
from bandian.outages.importer import import_interruptions
from tests.conftest import client_for

START = dt.datetime(2026, 5, 10, 8, 0, tzinfo=SHANGHAI)
ENTERED = dt.datetime(2026, 5, 10, 8, 20, tzinfo=SHANGHAI)


def test_the_event_page_shows_each_change_with_its_actor(grid, operator, supervisor):
    event = services.event_create(
        feeder=grid.feeder, transformers=[grid.transformers["T1"], grid.transformers["T2"]], kind="planned",
        cause="internal", start=START, actor=operator, at=ENTERED,
    )  # fmt: skip
    services.restoration_add(
        event=event, at=START + dt.timedelta(hours=2), users=[grid.users["T1"]], note="先送一台", actor=operator
    )
    services.restoration_add(event=event, at=START + dt.timedelta(hours=3), actor=operator)
    services.event_close(event=event, actor=operator)

    page = client_for(supervisor).get(reverse("outages:detail", args=[event.reference])).content.decode()
    history = page.split('id="change-history"')[1]
    assert history.count('<td class="actor">op-kaili</td>') == 4
    assert "2026-05-10 08:20" in history  # when it was entered, as given
    assert "停电类型：— → 计划停电" in history
    assert "配变：— → T1、T2" in history
    assert "复电用户：— → T1" in history and "备注：— → 先送一台" in history
    assert "复电时间：— → 2026-05-10 11:00:00" in history
    assert "结束" in history
    event.refresh_from_db()
    close = Change.objects.get(action="close")
    assert close.at == event.closed_at


@pytest.mark.parametrize("who", ["alice", "department_user"])
def test_outsiders_cannot_see_an_events_history(request, grid, operator, who):
    event = services.event_create(
        feeder=grid.feeder, kind="fault", cause="internal", start=START, description="雷击", actor=operator
    )
    response = client_for(request.getfixturevalue(who)).get(reverse("outages:detail", args=[event.reference]))
    assert response.status_code in (403, 404)
    assert "雷击" not in response.content.decode()


def test_a_refused_change_records_nothing(grid, operator):
    event = services.event_create(feeder=grid.feeder, kind="fault", cause="internal", start=START, actor=operator)
    with pytest.raises(services.OutageError):
        services.event_close(event=event, actor=operator)
    assert list(Change.objects.values_list("action", flat=True)) == ["create"]


def test_an_import_records_its_counts_and_the_users_it_added(grid, operator, supervisor):
    users = "user_id,area_class,county,in_service_from,in_service_to\nN1,rural,522601,,\n"
    rows = (
        "event_id,user_id,start,end,kind,cause\n"
        "E1,N1,2026-05-10T08:00,2026-05-10T09:00,fault,internal\n"
        "E1,NOPE,2026-05-10T08:00,2026-05-10T09:00,fault,internal\n"
    )
    import_interruptions(rows.encode(), "may.csv", users=(users.encode(), "users.csv"), actor=operator)

    added = MVUser.objects.get(user_id="N1")
    change = Change.objects.get(object_id=added.pk)
    assert change.action == "import" and change.actor == operator and ["area_class", None, "rural"] in change.changes
    summaries = [c.summary for c in Change.objects.filter(object_id__isnull=True)]
    assert "may.csv: 1 created, 0 updated, 1 rejected" in summaries
    assert "users.csv: 1 users added, 0 checked, 0 rejected" in summaries

    client = client_for(operator)
    assert "may.csv: 1 created" in client.get(reverse("outages:import")).content.decode()
    page = client_for(supervisor).get(reverse("grid:detail", args=["mv-users", added.pk])).content.decode()
    assert "文件导入" in page.split('id="change-history"')[1]
