"""The bulk import writes what importing the records one by one writes, row for row."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection

from bandian.applications.importer import BulkImport, RecordError, ingest_record
from bandian.applications.integrity import verify_all
from bandian.applications.models import Application, Event, Sequence
from bench.import_file import Generator

RECEIVED = dt.datetime(2026, 6, 1, 8, 0, 0, 123456, tzinfo=dt.UTC)
APP_FIELDS = [
    "pk",
    "no",
    "applicant_ref",
    "customer_class",
    "county_id",
    "urban",
    "capacity_kw",
    "voltage_kv",
    "channel",
    "imported",
    "zero_investment",
    "eligibility_rule",
    "restart_of_id",
    "clock_started_at",
    "status",
    "current_stage",
    "submitted_at",
    "energised_at",
    "closed_at",
    "stage_due_at",
    "due_at",
    "event_count",
    "head_hash",
    "progress_key",
    "progress_answer",
]
EVENT_FIELDS = [
    "pk",
    "application_id",
    "seq",
    "type",
    "stage",
    "reason",
    "note",
    "evidence",
    "actor_id",
    "occurred_at",
    "received_at",
    "device_at",
    "backfilled",
    "data",
    "prev_hash",
    "hash",
]


def raw_lines(records: int) -> list[tuple[int, str]]:
    """The generator's lines that are JSON, with their line numbers."""
    out = []
    for number, line in enumerate(Generator(records).lines(), start=1):
        try:
            json.loads(line)
        except json.JSONDecodeError:
            continue
        out.append((number, line))
    return out


def lines(records: int) -> list[tuple[int, object]]:
    return [(number, json.loads(line)) for number, line in raw_lines(records)]


def stored() -> tuple[list[tuple], list[tuple], list[tuple]]:
    return (
        list(Application.objects.order_by("pk").values_list(*APP_FIELDS)),
        list(Event.objects.order_by("pk").values_list(*EVENT_FIELDS)),
        list(Sequence.objects.order_by("year").values_list("year", "last")),
    )


def start_afresh() -> None:
    Event.objects.all().delete()
    Application.objects.update(restart_of=None)
    Application.objects.all().delete()
    tables = [{"table": m._meta.db_table, "column": "id"} for m in (Application, Event)]
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_by_name_sql(no_style(), tables):
            cursor.execute(sql)


def test_a_batch_import_stores_the_same_chains_and_derived_fields_as_one_by_one(db):
    raw = raw_lines(400)
    records = [(number, json.loads(line)) for number, line in raw]  # restarts among them, some within a batch
    start_afresh()  # ids are hashed: both runs start from the same id, whatever ran before in this database
    rejected_one_by_one = []
    for number, record in records:
        try:
            ingest_record(record, at=RECEIVED)
        except RecordError as exc:
            rejected_one_by_one.append((number, str(exc)))
    one_by_one = stored()
    assert any(app[APP_FIELDS.index("restart_of_id")] for app in one_by_one[0])
    start_afresh()

    run = BulkImport(batch_size=37, at=RECEIVED)
    for number, record in records:
        run.add(number, record)
    run.finish()
    batched = stored()
    assert batched[0] == one_by_one[0]
    assert batched[1] == one_by_one[1]
    assert batched[2] == one_by_one[2]
    assert [(p.line, p.reason) for p in run.problems] == rejected_one_by_one
    assert verify_all() == []
    start_afresh()

    # Worker processes check the lines (in chunks smaller than a batch) while this one writes.
    run = BulkImport(batch_size=37, at=RECEIVED, workers=2, chunk=23)
    for number, line in raw:
        run.add_line(number, (line + "\n").encode())
    run.finish()
    in_workers = stored()
    assert in_workers[0] == one_by_one[0]
    assert in_workers[1] == one_by_one[1]
    assert in_workers[2] == one_by_one[2]
    assert [(p.line, p.reason) for p in run.problems] == rejected_one_by_one
    assert verify_all() == []


@pytest.mark.django_db(transaction=True)  # committed: on PostgreSQL the workers see the first run's rows
@pytest.mark.parametrize("workers", ["0", "2"])
def test_the_command_streams_a_file_names_bad_lines_and_adds_nothing_the_second_time(tmp_path, workers):
    path = tmp_path / "records.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for line in Generator(300).lines():
            out.write(line + "\n")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit):
        call_command("import_applications", str(path), "--batch", "50", "--workers", workers, stdout=out, stderr=err)
    imported = Application.objects.count()
    assert f"{imported} imported, 0 skipped" in out.getvalue()
    refused = [line for line in err.getvalue().splitlines() if ": warning: " not in line]
    assert len(refused) == 17  # every bad line, each on its own line (warnings aside: those are kept)
    assert "not valid JSON" in err.getvalue() and "applicant_id: must be the HMAC-SHA-256" in err.getvalue()
    out2, err2 = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit):
        call_command("import_applications", str(path), "--workers", workers, stdout=out2, stderr=err2)
    assert Application.objects.count() == imported
    assert f"0 imported, {imported} skipped" in out2.getvalue()
    assert err2.getvalue().splitlines() == refused  # the same bad lines named (a skipped line warns no more)
    assert verify_all() == []


@pytest.mark.django_db
def test_a_progress_bar_is_drawn_on_request_and_not_when_the_output_is_no_terminal(tmp_path, capsys):
    path = tmp_path / "records.jsonl"
    good = [line for line in Generator(30).lines() if line.startswith('{"no": "BENCH-')]
    path.write_text("\n".join(good) + "\n", "utf-8")
    call_command("import_applications", str(path), "--progress", "always", stdout=io.StringIO())
    drawn = capsys.readouterr().err
    assert "records.jsonl" in drawn and "100%" in drawn
    call_command("import_applications", str(path), stdout=io.StringIO())  # stderr is captured: no terminal
    assert "100%" not in capsys.readouterr().err


def test_a_number_written_meanwhile_by_another_process_is_skipped_and_the_rest_kept(db):
    records = [(n, r) for n, r in lines(60) if isinstance(r, dict) and str(r.get("no", "")).startswith("BENCH-")]
    run = BulkImport(batch_size=1000, at=RECEIVED)
    for number, record in records:
        run.add(number, record)
    run._check_lines()  # checked against the database as it was
    ingest_record(records[3][1], at=RECEIVED)  # meanwhile, another import writes one of them
    run.finish()
    assert run.skipped == 1 and run.imported == len(records) - 1
    assert Application.objects.count() == len(records)
    assert verify_all() == []
