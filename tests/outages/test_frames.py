"""The two frames of the reliability contract, read from the database."""

from __future__ import annotations

import datetime as dt

import polars as pl

from bandian.core.time import SHANGHAI
from bandian.outages import services
from bandian.outages.importer import import_interruptions
from bandian.outages.records import INTERRUPTIONS_SCHEMA, USERS_SCHEMA
from bandian.reliability.frames import interruptions_frame, users_frame

YEAR = (dt.datetime(2026, 1, 1, tzinfo=SHANGHAI), dt.datetime(2027, 1, 1, tzinfo=SHANGHAI))


def test_users_frame_has_every_mv_user_in_the_contract_schema(grid):
    frame = users_frame()

    assert frame.schema == pl.Schema(USERS_SCHEMA)
    assert frame["user_id"].to_list() == ["H1", "T1", "T2", "T3", "T9"]
    h1 = frame.row(0, named=True)
    assert h1 == {
        "user_id": "H1",
        "area_class": "urban",
        "county": "522601",
        "in_service_from": dt.date(2026, 3, 1),
        "in_service_to": None,
    }


def test_interruptions_frame_holds_rows_overlapping_the_span(grid, operator):
    data = (
        "event_id,user_id,start,end,kind,cause\n"
        "E0,T1,2025-12-31T23:00:00,2026-01-01T01:00:00,planned,internal\n"
        "E1,T2,2026-05-10T08:00:00+08:00,2026-05-10T09:30:00+08:00,fault,rationing\n"
        "E2,T3,2027-01-01T00:00:00,2027-01-01T02:00:00,fault,internal\n"
    )
    import_interruptions(data.encode(), "i.csv")

    frame = interruptions_frame(*YEAR)

    assert frame.schema == pl.Schema(INTERRUPTIONS_SCHEMA)
    assert frame.select("event_id", "user_id").rows() == [("E0", "T1"), ("E1", "T2")]
    e1 = frame.row(1, named=True)
    assert e1["start"] == dt.datetime(2026, 5, 10, 0, tzinfo=dt.UTC)
    assert e1["end"] == dt.datetime(2026, 5, 10, 1, 30, tzinfo=dt.UTC)
    assert (e1["kind"], e1["cause"]) == ("fault", "rationing")


def test_users_not_yet_restored_are_left_out_unless_asked(grid, operator):
    start = dt.datetime(2026, 5, 10, 8, tzinfo=SHANGHAI)
    event = services.event_create(feeder=grid.feeder, kind="fault", cause="internal", start=start, actor=operator)
    services.restoration_add(event=event, at=start + dt.timedelta(hours=1), users=[grid.users["T1"]], actor=operator)

    assert interruptions_frame(*YEAR)["user_id"].to_list() == ["T1"]
    until = dt.datetime(2026, 5, 10, 12, tzinfo=SHANGHAI)
    so_far = interruptions_frame(*YEAR, ongoing_until=until)
    assert so_far["user_id"].to_list() == ["H1", "T1", "T2", "T3"]
    assert so_far.filter(pl.col("user_id") == "T2")["end"].item() == until


def test_empty_database_gives_empty_frames_with_the_schema(db):
    assert users_frame().schema == pl.Schema(USERS_SCHEMA)
    assert interruptions_frame(*YEAR).schema == pl.Schema(INTERRUPTIONS_SCHEMA)
    assert interruptions_frame(*YEAR).height == 0
