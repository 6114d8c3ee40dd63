"""Entering an outage event and restoring it step by step."""

from __future__ import annotations

import datetime as dt

import pytest

from bandian.core.time import SHANGHAI
from bandian.outages import services
from bandian.outages.importer import import_interruptions
from bandian.outages.models import Interruption, OutageEvent
from bandian.outages.services import OutageError
from bandian.reliability.frames import interruptions_frame

START = dt.datetime(2026, 5, 10, 8, 0, tzinfo=SHANGHAI)


def at(hours: float) -> dt.datetime:
    return START + dt.timedelta(hours=hours)


def rows(event_id: str | None = None) -> list[tuple]:
    qs = Interruption.objects.order_by("user_id")
    if event_id:
        qs = qs.filter(event_id=event_id)
    return list(qs.values_list("user_id", "start", "end", "kind", "cause"))


def enter(grid, operator, **kw) -> OutageEvent:
    return services.event_create(
        feeder=kw.pop("feeder", grid.feeder), kind=kw.pop("kind", "fault"), cause=kw.pop("cause", "internal"),
        start=kw.pop("start", START), actor=operator, **kw,
    )  # fmt: skip


def test_feeder_event_affects_every_user_in_service_at_its_start(grid, operator):
    event = enter(grid, operator, start=dt.datetime(2026, 2, 1, 8, tzinfo=SHANGHAI))

    # H1 is in service from March 1st only; T9 is on another feeder.
    assert sorted(event.affected_users.values_list("user_id", flat=True)) == ["T1", "T2", "T3"]
    assert event.reference == "TD-2026-00001"
    assert [r[0] for r in rows()] == ["T1", "T2", "T3"]
    assert all(r[2] is None for r in rows())


def test_transformer_event_affects_only_their_users(grid, operator):
    event = enter(grid, operator, transformers=[grid.transformers["T2"], grid.transformers["C1"]])

    assert sorted(event.affected_users.values_list("user_id", flat=True)) == ["H1", "T2"]
    assert event.scope == "transformers"


def test_transformer_of_another_feeder_is_refused(grid, operator):
    with pytest.raises(OutageError, match="T9"):
        enter(grid, operator, transformers=[grid.transformers["T9"]])
    assert not OutageEvent.objects.exists()


def test_stepwise_restoration_gives_each_user_its_own_end(grid, operator):
    event = enter(grid, operator)
    services.restoration_add(event=event, at=at(1), users=[grid.users["T1"]], actor=operator)
    services.restoration_add(event=event, at=at(2.5), users=None, actor=operator)

    ends = {r[0]: r[2] for r in rows()}
    assert ends == {"H1": at(2.5), "T1": at(1), "T2": at(2.5), "T3": at(2.5)}
    assert Interruption.objects.count() == 4  # replaced on each step, never duplicated


def test_expansion_equals_the_imported_equivalent(grid, operator):
    event = enter(grid, operator, kind="planned", cause="external")
    services.restoration_add(event=event, at=at(1), users=[grid.users["T1"], grid.users["H1"]], actor=operator)
    services.restoration_add(event=event, at=at(3), actor=operator)
    entered = rows(event.reference)
    span = (dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    entered_frame = interruptions_frame(*span).drop("event_id")

    csv = "event_id,user_id,start,end,kind,cause\n" + "".join(
        f"E1,{u},2026-05-10T08:00:00,{(at(1) if u in ('T1', 'H1') else at(3)).isoformat()},planned,external\n"
        for u in ("H1", "T1", "T2", "T3")
    )
    Interruption.objects.all().delete()
    report = import_interruptions(csv.encode(), "x.csv")

    assert report.errors == []
    assert rows("E1") == entered
    assert interruptions_frame(*span).drop("event_id").equals(entered_frame)


def test_step_before_the_start_is_refused(grid, operator):
    event = enter(grid, operator)
    with pytest.raises(OutageError, match="不能早于停电开始时间"):
        services.restoration_add(event=event, at=at(-1), actor=operator)
    assert not event.steps.exists()


def test_step_before_the_previous_step_is_refused(grid, operator):
    event = enter(grid, operator)
    services.restoration_add(event=event, at=at(2), users=[grid.users["T1"]], actor=operator)
    with pytest.raises(OutageError, match="不能早于上一步"):
        services.restoration_add(event=event, at=at(1), actor=operator)
    assert event.steps.count() == 1


def test_a_user_cannot_be_restored_twice(grid, operator):
    event = enter(grid, operator)
    services.restoration_add(event=event, at=at(1), users=[grid.users["T1"]], actor=operator)
    with pytest.raises(OutageError, match="T1"):
        services.restoration_add(event=event, at=at(2), users=[grid.users["T1"]], actor=operator)


def test_event_closes_only_once_everyone_is_restored(grid, operator):
    event = enter(grid, operator)
    services.restoration_add(event=event, at=at(1), users=[grid.users["T1"]], actor=operator)
    with pytest.raises(OutageError, match="3 个用户未复电"):
        services.event_close(event=event, actor=operator)

    services.restoration_add(event=event, at=at(2), actor=operator)
    services.event_close(event=event, actor=operator)

    event.refresh_from_db()
    assert event.closed_at is not None
    with pytest.raises(OutageError):
        services.restoration_add(event=event, at=at(3), actor=operator)


def test_no_users_in_service_is_refused(grid, operator):
    with pytest.raises(OutageError):
        enter(grid, operator, transformers=[grid.transformers["C1"]], start=dt.datetime(2026, 2, 1, tzinfo=SHANGHAI))


def test_references_count_per_year(grid, operator):
    first = enter(grid, operator)
    second = enter(grid, operator, start=at(30))
    assert (first.reference, second.reference) == ("TD-2026-00001", "TD-2026-00002")
