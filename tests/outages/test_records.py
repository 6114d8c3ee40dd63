"""One parser of the §5 files: `manage.py import_interruptions` and `manage.py reliability` accept
the same rows and name the same problems, line, column and words, for CSV and for Parquet."""

from __future__ import annotations

import datetime as dt
import io

import polars as pl
import pytest

from bandian.outages.importer import import_interruptions
from bandian.outages.records import InputError
from bandian.reliability.readers import read_interruptions, read_users

INTERRUPTIONS = (
    "event_id,user_id,start,end,kind,cause\n"
    "E1,T1,2026-05-10T08:00:00,2026-05-10T09:00:00,fault,internal\n"
    ",T2,2026-05-10T08:00:00,2026-05-10 09:00,fault,internal\n"
    "E1,T3,2026-05-10T08:00:00+08:00,soon,unplanned,internal\n"
    "\n"
    "E2,T1,2026-02-30T08:00:00,2026-05-10T09:00:00Z,planned,weather\n"
    "E3,H1,2026-05-10T08:00,,fault,rationing\n"
)
USERS = (
    "user_id,area_class,county,in_service_from,in_service_to\n"
    "N1,rural,522601,,\n"
    "N2,suburb,522601,2026-01-01,\n"
    "N3,town,52260,2026-13-01,\n"
    "N1,rural,522601,,\n"
    "N4,town,522601,2026-03-01,2026-02-01\n"
)


def from_reader(read, path) -> list[str]:
    with pytest.raises(InputError) as caught:
        read(path)
    return [f"line {p.line}, field {p.column}: {p.reason}" for p in caught.value.problems]


def parquet(text: str) -> bytes:
    buffer = io.BytesIO()
    pl.read_csv(io.StringIO(text), infer_schema=False).write_parquet(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_the_importer_and_the_reliability_command_name_the_same_bad_rows(grid, tmp_path, suffix):
    rows = INTERRUPTIONS.encode() if suffix == "csv" else parquet(INTERRUPTIONS)
    users = USERS.encode() if suffix == "csv" else parquet(USERS)
    (tmp_path / f"i.{suffix}").write_bytes(rows)
    (tmp_path / f"u.{suffix}").write_bytes(users)

    by_reader = from_reader(read_interruptions, tmp_path / f"i.{suffix}")
    by_users_reader = from_reader(read_users, tmp_path / f"u.{suffix}")
    report = import_interruptions(rows, f"i.{suffix}", users=(users, f"u.{suffix}"))

    assert report.interruptions.errors == by_reader
    assert report.users is not None and report.users.errors == by_users_reader
    assert report.interruptions.created == 1 and report.users.created == 1
    if suffix == "csv":  # Parquet rows are counted without the header and the blank line
        assert by_reader == [
            "line 3, field event_id: missing event_id",
            "line 4, field end: 'soon' is not an ISO 8601 timestamp",
            "line 4, field kind: 'unplanned' is not a kind (planned, fault)",
            "line 6, field start: '2026-02-30T08:00:00' is not an ISO 8601 timestamp",
            "line 6, field cause: 'weather' is not a cause (internal, external, rationing)",
            "line 7, field end: missing end",
        ]
        assert by_users_reader == [
            "line 3, field area_class: 'suburb' is not an area class (central, urban, town, rural)",
            "line 4, field county: '52260' is not a 6-digit adcode",
            "line 4, field in_service_from: '2026-13-01' is not an ISO 8601 date (YYYY-MM-DD)",
            "line 5, field user_id: duplicate user_id 'N1' (first on line 2)",
            "line 6, field in_service_to: 2026-02-01 is before in_service_from 2026-03-01",
        ]


def test_the_same_good_rows_come_out_of_both(grid, tmp_path):
    good = "".join(line + "\n" for line in INTERRUPTIONS.splitlines()[:2])
    path = tmp_path / "i.csv"
    path.write_text(good)
    frame = read_interruptions(path)
    import_interruptions(good.encode(), "i.csv")

    from bandian.outages.models import Interruption

    row = Interruption.objects.get()
    assert frame.row(0) == (row.event_id, row.user_id, row.start, row.end, row.kind, row.cause)
    assert row.start == dt.datetime(2026, 5, 10, 0, tzinfo=dt.UTC)
