"""`manage.py reliability`: figures from §5 files (hand-computed below), errors that name file,
line and column, and no database in file mode."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import polars as pl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

USERS_CSV = """\
user_id,area_class,county,in_service_from,in_service_to
U1,central,522601,,
U2,urban,522601,,
U3,rural,522622,2025-07-02,
"""
# U1: planned 09-11 and an external fault 10-12 (offset-less and Z forms): 3 h, one block,
#     planned 2 h, fault 2 h, 2 h without the external one; a 3-minute momentary.
# U2: a rationing fault across the new year: 1 h in 2025.
# U3 (in service from 2 July, 183/365 of the year): a fault clipped to 2 h, a planned 181 s.
INTERRUPTIONS_CSV = """\
event_id,user_id,start,end,kind,cause
E1,U1,2025-03-01T09:00:00+08:00,2025-03-01T11:00:00+08:00,planned,internal
E2,U1,2025-03-01 10:00,2025-03-01T04:00:00Z,fault,external
E3,U1,2025-05-01T08:00:00,2025-05-01T08:03:00,fault,internal
E4,U2,2024-12-31T23:00:00+08:00,2025-01-01T01:00:00+08:00,fault,rationing
E5,U3,2025-07-01T23:00:00+08:00,2025-07-02T02:00:00+08:00,fault,internal
E6,U3,2025-08-01T10:00:00+08:00,2025-08-01T10:03:01+08:00,planned,internal
"""
NO_CEMI = {"1": 0.0, "2": 0.0, "3": 0.0, "4": 0.0, "5": 0.0}
CENTRAL = {
    "users": 1,
    "user_years": 1.0,
    "saidi_hours": 3.0,
    "saifi": 1.0,
    "caidi_hours": 3.0,
    "rs1": 0.999658,  # 1 - 3/8760
    "rs2": 0.999772,  # 1 - 2/8760
    "rs3": 0.999658,
    "planned_hours": 2.0,
    "fault_hours": 2.0,
    "momentary_count": 1,
    "cemi": NO_CEMI,
    "celid_8h": 0.0,
    "target_hours": 1.9,
    "meets_target": False,
}
URBAN = {
    "users": 1,
    "user_years": 1.0,
    "saidi_hours": 1.0,
    "saifi": 1.0,
    "caidi_hours": 1.0,
    "rs1": 0.999886,
    "rs2": 0.999886,
    "rs3": 1.0,
    "planned_hours": 0.0,
    "fault_hours": 1.0,
    "momentary_count": 0,
    "cemi": NO_CEMI,
    "celid_8h": 0.0,
    "target_hours": 4.9,
    "meets_target": True,
}
TOWN = {
    "users": 0,
    "user_years": 0.0,
    "saidi_hours": None,
    "saifi": None,
    "caidi_hours": None,
    "rs1": None,
    "rs2": None,
    "rs3": None,
    "planned_hours": None,
    "fault_hours": None,
    "momentary_count": 0,
    "cemi": None,
    "celid_8h": None,
    "target_hours": 8.9,
    "meets_target": None,
}
RURAL = {
    "users": 1,
    "user_years": 0.50137,  # 183/365
    "saidi_hours": 4.089352,  # 7381 s / 3600 / (183/365)
    "saifi": 3.989071,  # 2 / (183/365)
    "caidi_hours": 1.025139,
    "rs1": 0.999533,
    "rs2": 0.999533,
    "rs3": 0.999533,
    "planned_hours": 0.100281,
    "fault_hours": 3.989071,
    "momentary_count": 0,
    "cemi": {"1": 1.0, "2": 0.0, "3": 0.0, "4": 0.0, "5": 0.0},
    "celid_8h": 0.0,
    "target_hours": 15.0,
    "meets_target": True,
}
KAILI = {
    "users": 2,
    "user_years": 2.0,
    "saidi_hours": 2.0,
    "saifi": 1.0,
    "caidi_hours": 2.0,
    "rs1": 0.999772,
    "rs2": 0.999829,
    "rs3": 0.999829,
    "planned_hours": 1.0,
    "fault_hours": 1.5,
    "momentary_count": 1,
    "cemi": NO_CEMI,
    "celid_8h": 0.0,
    "target_hours": None,
    "meets_target": None,
}
TOTAL = {
    "users": 3,
    "user_years": 2.50137,
    "saidi_hours": 2.418786,  # 21781 s / 3600 / (2 + 183/365)
    "saifi": 1.599124,
    "caidi_hours": 1.512569,
    "rs1": 0.999724,
    "rs2": 0.99977,
    "rs3": 0.99977,
    "planned_hours": 0.819662,
    "fault_hours": 1.998905,
    "momentary_count": 1,
    "cemi": {"1": 0.333333, "2": 0.0, "3": 0.0, "4": 0.0, "5": 0.0},
    "celid_8h": 0.0,
    "target_hours": None,
    "meets_target": None,
}


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    users, rows = tmp_path / "users.csv", tmp_path / "interruptions.csv"
    users.write_text(USERS_CSV)
    rows.write_text(INTERRUPTIONS_CSV)
    return users, rows


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("reliability", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_json_report_from_csv_files_has_the_hand_computed_figures_and_no_database_query(
    files, django_assert_num_queries
):
    users, rows = files
    with django_assert_num_queries(0):
        doc = json.loads(run("--users", str(users), "--interruptions", str(rows), "--year", "2025"))

    assert doc["year"] == 2025
    assert doc["hours"] == 8760
    assert doc["by_area"] == {"central": CENTRAL, "urban": URBAN, "town": TOWN, "rural": RURAL}
    assert list(doc["by_county"]) == ["522601", "522622"]
    assert doc["by_county"]["522601"] == KAILI
    assert doc["by_county"]["522622"] == {**RURAL, "target_hours": None, "meets_target": None}
    assert doc["total"] == TOTAL


def test_csv_report_has_one_row_per_scope_with_the_same_figures(files, tmp_path):
    users, rows = files
    out = tmp_path / "report.csv"
    run("--users", str(users), "--interruptions", str(rows), "--year", "2025", "--format", "csv", "--output", str(out))

    table = list(csv.DictReader(out.read_text().splitlines()))
    assert [(r["scope"], r["key"]) for r in table] == [
        ("area", "central"),
        ("area", "urban"),
        ("area", "town"),
        ("area", "rural"),
        ("county", "522601"),
        ("county", "522622"),
        ("total", ""),
    ]
    central, town, total = table[0], table[2], table[-1]
    assert central["saidi_hours"] == "3.0" and central["meets_target"] == "false" and central["target_hours"] == "1.9"
    assert town["saidi_hours"] == "" and town["users"] == "0" and town["cemi_1"] == ""
    assert total["saidi_hours"] == "2.418786"
    assert total["cemi_1"] == "0.333333" and total["cemi_5"] == "0.0"
    assert total["momentary_count"] == "1" and total["target_hours"] == ""


def test_parquet_files_give_the_same_report_as_csv(files, tmp_path):
    from bandian.reliability.readers import read_interruptions, read_users

    users, rows = files
    pq_users, pq_rows = tmp_path / "users.parquet", tmp_path / "interruptions.parquet"
    read_users(users).write_parquet(pq_users)
    # Timestamps stored without a zone are Asia/Shanghai, as in CSV.
    read_interruptions(rows).with_columns(
        pl.col("start", "end").dt.convert_time_zone("Asia/Shanghai").dt.replace_time_zone(None)
    ).write_parquet(pq_rows)

    csv_doc = json.loads(run("--users", str(users), "--interruptions", str(rows), "--year", "2025"))
    parquet_doc = json.loads(run("--users", str(pq_users), "--interruptions", str(pq_rows), "--year", "2025"))
    assert parquet_doc == csv_doc


def test_bad_rows_stop_the_command_naming_file_line_and_column(files):
    users, rows = files
    users.write_text(USERS_CSV + "U1,town,522601,,\nU4,suburb,52260,2025-13-01,\n")
    rows.write_text(
        INTERRUPTIONS_CSV
        + "E7,U1,2025-03-01T09:00:00+08:00,yesterday,fault,internal\n"
        + "E8,,2025-03-01T09:00:00+08:00,2025-03-01T08:00:00+08:00,storm,internal\n"
    )

    with pytest.raises(CommandError) as caught:
        run("--users", str(users), "--interruptions", str(rows), "--year", "2025")

    lines = str(caught.value).splitlines()
    assert lines[0] == "7 problems in the input:"
    assert lines[1:] == [
        "users.csv, line 5, column user_id: duplicate user_id 'U1' (first on line 2)",
        "users.csv, line 6, column area_class: 'suburb' is not an area class (central, urban, town, rural)",
        "users.csv, line 6, column county: '52260' is not a 6-digit adcode",
        "users.csv, line 6, column in_service_from: '2025-13-01' is not an ISO 8601 date (YYYY-MM-DD)",
        "interruptions.csv, line 8, column end: 'yesterday' is not an ISO 8601 timestamp",
        "interruptions.csv, line 9, column user_id: missing user_id",
        "interruptions.csv, line 9, column kind: 'storm' is not a kind (planned, fault)",
    ]


def test_many_bad_rows_are_listed_up_to_fifty(files):
    users, rows = files
    rows.write_text(INTERRUPTIONS_CSV + "".join(f"X{i},U1,2025-03-01,2025-03-02,fault,internal\n" for i in range(40)))

    with pytest.raises(CommandError) as caught:
        run("--users", str(users), "--interruptions", str(rows), "--year", "2025")

    lines = str(caught.value).splitlines()
    assert lines[0] == "80 problems in the input:"
    assert lines[1] == "interruptions.csv, line 8, column start: '2025-03-01' is not an ISO 8601 timestamp"
    assert len(lines) == 1 + 50 + 1
    assert lines[-1] == "and 30 more"


def test_a_missing_file_or_a_missing_column_is_a_clear_error(files, tmp_path):
    users, rows = files
    with pytest.raises(CommandError, match=r"interruptions.csv: no such file"):
        run("--users", str(users), "--interruptions", str(tmp_path / "nope" / "interruptions.csv"), "--year", "2025")

    rows.write_text("event_id,user_id,start,end,kind\n")
    with pytest.raises(CommandError, match=r"interruptions\.csv, line 1, column cause: missing column"):
        run("--users", str(users), "--interruptions", str(rows), "--year", "2025")

    other = tmp_path / "users.xlsx"
    other.write_text("x")
    with pytest.raises(CommandError, match=r"users.xlsx: must be a .csv or .parquet file"):
        run("--users", str(other), "--interruptions", str(rows), "--year", "2025")


def test_files_and_database_are_exclusive_and_files_come_in_pairs(files):
    users, rows = files
    with pytest.raises(CommandError, match="not both"):
        run("--from-db", "--users", str(users), "--interruptions", str(rows), "--year", "2025")
    with pytest.raises(CommandError, match="--interruptions FILE"):
        run("--users", str(users), "--year", "2025")


def test_rows_of_unknown_users_are_left_out_with_a_warning(files):
    users, rows = files
    rows.write_text(INTERRUPTIONS_CSV + "E9,U9,2025-03-01T09:00:00+08:00,2025-03-01T11:00:00+08:00,fault,internal\n")
    err = io.StringIO()
    out = io.StringIO()
    call_command(
        "reliability", "--users", str(users), "--interruptions", str(rows), "--year", "2025", stdout=out, stderr=err
    )

    assert json.loads(out.getvalue())["total"] == TOTAL
    assert "1 interruption rows name a user_id that is not among the users" in err.getvalue()


@pytest.mark.django_db
def test_from_db_reads_the_database(django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        doc = json.loads(run("--from-db", "--year", "2025"))

    assert doc["total"]["users"] == 0
    assert list(doc["by_area"]) == ["central", "urban", "town", "rural"]
