"""Importing §5 outage records from CSV and Parquet."""

from __future__ import annotations

import datetime as dt
import io

import polars as pl
import pytest
from django.core.management import call_command

from bandian.core.time import SHANGHAI
from bandian.grid.models import MVUser
from bandian.outages import services
from bandian.outages.importer import import_interruptions
from bandian.outages.models import Interruption

HEADER = "event_id,user_id,start,end,kind,cause\n"
GOOD = "E1,T1,2026-05-10T08:00:00,2026-05-10T10:30:00+08:00,fault,internal\n"


def test_good_rows_are_kept_and_bad_rows_named_by_line_and_field(grid):
    data = (
        HEADER
        + GOOD
        + "\n"
        + "E1,T2,2026-05-10T08:00:00,yesterday,fault,internal\n"
        + "E1,NOPE,2026-05-10T08:00:00,2026-05-10T09:00:00,fault,internal\n"
        + "E1,T3,2026-05-10T08:00:00Z,2026-05-10T09:00:00Z,storm,internal\n"
        + "E1,T1,2026-05-10T08:00:00,2026-05-10T09:00:00,fault,internal\n"
        + "E2,T3,2026-05-10T00:00:00Z,2026-05-10T01:00:00Z,planned,rationing\n"
    )
    report = import_interruptions(data.encode(), "f.csv")

    assert report.errors == [
        "line 4, field end: 'yesterday' is not an ISO 8601 timestamp",
        "line 5, field user_id: no such MV user: NOPE",
        "line 6, field kind: 'storm' is not a kind (planned, fault)",
        "line 7, field user_id: this event and user already given on line 2",
    ]
    assert report.interruptions.created == 2
    t1 = Interruption.objects.get(event_id="E1", user_id="T1")
    # No offset means Asia/Shanghai.
    assert t1.start == dt.datetime(2026, 5, 10, 8, tzinfo=SHANGHAI)
    assert t1.end == dt.datetime(2026, 5, 10, 10, 30, tzinfo=SHANGHAI)
    assert t1.source == "imported"


def test_importing_again_adds_nothing(grid):
    data = (HEADER + GOOD).encode()
    import_interruptions(data, "f.csv")
    again = import_interruptions(data, "f.csv")

    assert (again.interruptions.created, again.interruptions.updated) == (0, 1)
    assert Interruption.objects.count() == 1


def test_missing_column_is_reported_and_nothing_written(grid):
    report = import_interruptions(b"event_id,user_id,start,end,kind\nE1,T1,2026-05-10,2026-05-10,fault\n", "f.csv")
    assert report.errors == ["line 1, field cause: missing column"]
    assert not Interruption.objects.exists()


def test_parquet_with_naive_and_typed_timestamps(grid):
    frame = pl.DataFrame(
        {
            "event_id": ["P1", "P1"],
            "user_id": ["T1", "T2"],
            "start": [dt.datetime(2026, 5, 10, 8), dt.datetime(2026, 5, 10, 8)],
            "end": [dt.datetime(2026, 5, 10, 9), None],
            "kind": ["planned", "planned"],
            "cause": ["internal", "internal"],
        }
    )
    buffer = io.BytesIO()
    frame.write_parquet(buffer)

    report = import_interruptions(buffer.getvalue(), "x.parquet")

    assert report.errors == ["line 2, field end: missing end"]
    row = Interruption.objects.get()
    assert row.start == dt.datetime(2026, 5, 10, 8, tzinfo=SHANGHAI)


def test_parquet_with_aware_timestamps_keeps_the_instant(grid):
    frame = pl.DataFrame(
        {
            "event_id": ["P2"],
            "user_id": ["T3"],
            "start": [dt.datetime(2026, 5, 10, 0, tzinfo=dt.UTC)],
            "end": [dt.datetime(2026, 5, 10, 2, tzinfo=dt.UTC)],
            "kind": ["fault"],
            "cause": ["rationing"],
        }
    )
    buffer = io.BytesIO()
    frame.write_parquet(buffer)

    assert import_interruptions(buffer.getvalue(), "y.parquet").errors == []
    row = Interruption.objects.get()
    assert (row.start, row.end) == (
        dt.datetime(2026, 5, 10, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 5, 10, 2, tzinfo=dt.UTC),
    )


def test_users_file_adds_unknown_users_and_checks_known_ones(grid):
    users = (
        "user_id,area_class,county,in_service_from,in_service_to\n"
        "X1,rural,522622,,\n"
        "T1,rural,522601,,\n"
        "X2,nowhere,522601,,\n"
    )
    data = HEADER + "E1,X1,2026-05-10T08:00:00,2026-05-10T09:00:00,fault,external\n"

    report = import_interruptions(data.encode(), "i.csv", users=(users.encode(), "u.csv"))

    assert report.errors == [
        "line 3, field area_class: the grid has urban",
        "line 4, field area_class: 'nowhere' is not an area class (central, urban, town, rural)",
    ]
    x1 = MVUser.objects.get(user_id="X1")
    assert (x1.feeder, x1.area_class, x1.county_id) == (None, "rural", "522622")
    assert Interruption.objects.filter(user_id="X1").exists()


def test_a_county_operator_imports_only_their_county(grid):
    data = HEADER + GOOD + "E1,T9,2026-05-10T08:00:00,2026-05-10T09:00:00,fault,internal\n"
    report = import_interruptions(data.encode(), "f.csv", counties={"522601"})
    assert report.errors == ["line 3, field user_id: T9 is in county 522622"]
    assert list(Interruption.objects.values_list("user_id", flat=True)) == ["T1"]


def test_an_entered_event_cannot_be_overwritten_by_an_import(grid, operator):
    event = services.event_create(
        feeder=grid.feeder,
        kind="fault",
        cause="internal",
        start=dt.datetime(2026, 5, 1, tzinfo=SHANGHAI),
        actor=operator,
    )
    data = HEADER + f"{event.reference},T1,2026-05-10T08:00:00,2026-05-10T09:00:00,fault,internal\n"
    report = import_interruptions(data.encode(), "f.csv")
    assert report.errors == [f"line 2, field event_id: {event.reference} is an event entered in the back office"]


def test_command_imports_and_prints_errors(grid, tmp_path, capsys):
    path = tmp_path / "i.csv"
    path.write_text(HEADER + GOOD + "E1,T2,2026-05-10T08:00:00,2026-05-10T09:00:00,fault,oops\n", encoding="utf-8")

    with pytest.raises(SystemExit) as exit_info:
        call_command("import_interruptions", str(path))

    out = capsys.readouterr()
    assert exit_info.value.code == 1
    assert "line 3, field cause" in out.err
    assert "1 created" in out.out
    assert Interruption.objects.count() == 1
