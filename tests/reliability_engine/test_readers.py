"""The §5 file readers: what they accept, and how they name a bad cell."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl
import pytest

from bandian.outages.records import InputError
from bandian.reliability.readers import read_interruptions, read_users

UTC = dt.UTC


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_timestamps_with_an_offset_z_or_none_which_is_shanghai_time(tmp_path):
    path = write(
        tmp_path / "interruptions.csv",
        "event_id,user_id,start,end,kind,cause\n"
        "E1,U1,2025-03-01T09:00:00+08:00,2025-03-01T09:30:00.250+08:00,planned,internal\n"
        "E2,U1,2025-03-01 09:00,2025-03-01T02:00:00Z,fault,external\n"
        "E3,U1,2025-03-01T09:00:00,2025-03-01T08:00:00-01:00,fault,rationing\n"
        "E4,U1,2025-03-01T10:00:00+08:00,2025-03-01T09:00:00+08:00,fault,internal\n",  # end before start: fine
    )
    frame = read_interruptions(path)

    assert frame.schema == pl.Schema(
        {
            "event_id": pl.String,
            "user_id": pl.String,
            "start": pl.Datetime("us", "UTC"),
            "end": pl.Datetime("us", "UTC"),
            "kind": pl.String,
            "cause": pl.String,
        }
    )
    assert frame["start"].to_list() == [dt.datetime(2025, 3, 1, 1, tzinfo=UTC)] * 3 + [
        dt.datetime(2025, 3, 1, 2, tzinfo=UTC)
    ]
    assert frame["end"].to_list() == [
        dt.datetime(2025, 3, 1, 1, 30, 0, 250_000, tzinfo=UTC),
        dt.datetime(2025, 3, 1, 2, tzinfo=UTC),
        dt.datetime(2025, 3, 1, 9, tzinfo=UTC),
        dt.datetime(2025, 3, 1, 1, tzinfo=UTC),
    ]


def test_users_dates_may_be_empty(tmp_path):
    path = write(
        tmp_path / "users.csv",
        "user_id,area_class,county,in_service_from,in_service_to,feeder\n"
        "U1,central,522601,,,F1\n"
        "U2,rural,522622,2025-07-02,2025-12-01,F2\n",
    )
    frame = read_users(path)

    assert frame.columns == ["user_id", "area_class", "county", "in_service_from", "in_service_to"]
    assert frame.row(1) == ("U2", "rural", "522622", dt.date(2025, 7, 2), dt.date(2025, 12, 1))
    assert frame.row(0)[3:] == (None, None)


def test_a_parquet_file_is_reported_by_row_and_naive_timestamps_are_shanghai_time(tmp_path):
    path = tmp_path / "interruptions.parquet"
    pl.DataFrame(
        {
            "event_id": ["E1", "E2", "E3"],
            "user_id": ["U1", "U1", "U2"],
            "start": [dt.datetime(2025, 3, 1, 9), dt.datetime(2025, 3, 1, 9), dt.datetime(2025, 3, 1, 9)],
            "end": [dt.datetime(2025, 3, 1, 10)] * 3,
            "kind": ["fault", "unplanned", "planned"],
            "cause": ["internal", "internal", None],
        }
    ).write_parquet(path)

    with pytest.raises(InputError) as caught:
        read_interruptions(path)
    assert str(caught.value).splitlines() == [
        "interruptions.parquet, row 2, column kind: 'unplanned' is not a kind (planned, fault)",
        "interruptions.parquet, row 3, column cause: missing cause",
    ]

    pl.read_parquet(path).head(1).write_parquet(path)
    assert read_interruptions(path)["start"].to_list() == [dt.datetime(2025, 3, 1, 1, tzinfo=UTC)]


def test_users_with_service_ending_before_it_starts_are_refused(tmp_path):
    path = write(
        tmp_path / "users.csv",
        "user_id,area_class,county,in_service_from,in_service_to\nU1,town,522601,2025-07-02,2025-07-01\n",
    )
    with pytest.raises(InputError, match=r"line 2, column in_service_to: 2025-07-01 is before in_service_from"):
        read_users(path)


def test_missing_timestamps_and_event_ids_are_named(tmp_path):
    path = write(
        tmp_path / "interruptions.csv",
        "event_id,user_id,start,end,kind,cause\n,U1,,2025-03-01T09:00:00,fault,internal\n",
    )
    with pytest.raises(InputError) as caught:
        read_interruptions(path)

    assert caught.value.total == 2
    assert caught.value.problems[0].column == "event_id"
    assert str(caught.value.problems[1]) == "interruptions.csv, line 2, column start: missing start"


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2025-03-01T09:00:00+08:00", dt.datetime(2025, 3, 1, 1, tzinfo=UTC)),
        ("2025-03-01T09:00:00+0800", dt.datetime(2025, 3, 1, 1, tzinfo=UTC)),
        ("2025-03-01T09:00:00+08", dt.datetime(2025, 3, 1, 1, tzinfo=UTC)),
        ("2025-03-01T09:00:00-05:30", dt.datetime(2025, 3, 1, 14, 30, tzinfo=UTC)),
        ("2025-03-01T09:00:00.123456789Z", dt.datetime(2025, 3, 1, 9, 0, 0, 123456, tzinfo=UTC)),
        ("2025-03-01T09:00:00.5", dt.datetime(2025, 3, 1, 1, 0, 0, 500000, tzinfo=UTC)),
        ("2025-03-01 09:00:00", dt.datetime(2025, 3, 1, 1, tzinfo=UTC)),
        ("2025-03-01T09:00+08:00", dt.datetime(2025, 3, 1, 1, tzinfo=UTC)),
        ("2025-03-01T09:00", dt.datetime(2025, 3, 1, 1, tzinfo=UTC)),
        ("2025-03-01T09:00:00+25:00", None),
        ("2025-03-01T09:00:00+08:00x", None),
        ("2025-02-30T09:00:00", None),
        ("2025-03-01", None),
        ("yesterday", None),
    ],
)
def test_timestamp_forms(tmp_path, text, utc):
    path = write(
        tmp_path / "interruptions.csv",
        f"event_id,user_id,start,end,kind,cause\nE1,U1,{text},2025-03-01T10:00:00+08:00,fault,internal\n",
    )
    if utc is None:
        message = f"line 2, column start: '{text}' is not an ISO 8601 timestamp"
        with pytest.raises(InputError, match=re.escape(message)):
            read_interruptions(path)
    else:
        assert read_interruptions(path)["start"].to_list() == [utc]


def test_a_file_that_is_not_utf8_or_has_extra_fields_is_refused_as_a_whole(tmp_path):
    gbk = tmp_path / "users.csv"
    gbk.write_bytes("user_id,area_class,county,in_service_from,in_service_to\nU1,城镇,522601,,\n".encode("gbk"))
    with pytest.raises(InputError, match=r"^users\.csv: is not UTF-8 text"):
        read_users(gbk)

    ragged = write(
        tmp_path / "users2.csv",
        "user_id,area_class,county,in_service_from,in_service_to\nU1,central,522601,,,extra\n",
    )
    with pytest.raises(InputError, match=r"^users2\.csv: a line has more fields than the header"):
        read_users(ragged)


def test_a_short_line_is_reported_cell_by_cell(tmp_path):
    path = write(tmp_path / "users.csv", "user_id,area_class,county,in_service_from,in_service_to\nU2,urban\n")
    with pytest.raises(InputError) as caught:
        read_users(path)
    assert str(caught.value) == "users.csv, line 2, column county: missing county"
