import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from bandian.applications.models import Application, Event
from tests.importer.conftest import sample

pytestmark = pytest.mark.django_db


def run(path: Path) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("import_applications", str(path), stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def mixed_file(tmp_path: Path) -> Path:
    lines = [
        json.dumps(sample(no="EXT-1"), ensure_ascii=False),
        json.dumps(sample(no="EXT-2", documents=["business_licence", "property_proof", "load_list"])),
        "",
        "{not json",
        json.dumps(sample(no="EXT-3", county="999999")),
        json.dumps(sample(no="EXT-4")),
    ]
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_bad_lines_are_reported_by_number_and_the_good_ones_kept(mixed_file):
    code, out, err = run(mixed_file)
    assert code == 1
    assert set(Application.objects.values_list("no", flat=True)) == {"EXT-1", "EXT-4"}
    assert "line 2: documents: 'load_list' is not a document of lv_sanling" in err
    assert "line 4: not valid JSON" in err
    assert "line 5: county: '999999'" in err
    assert "line 1" not in err and "line 3" not in err and "line 6" not in err
    assert "2 imported, 0 skipped (already present), 3 rejected" in out


def test_running_the_same_file_again_adds_no_duplicates(mixed_file):
    run(mixed_file)
    events = Event.objects.count()
    code, out, _err = run(mixed_file)
    assert code == 1  # the bad lines are still bad
    assert Application.objects.count() == 2
    assert Event.objects.count() == events
    assert "0 imported, 2 skipped (already present), 3 rejected" in out


def test_a_clean_file_exits_zero(tmp_path):
    path = tmp_path / "ok.jsonl"
    path.write_text(json.dumps(sample()) + "\n")
    code, out, err = run(path)
    assert (code, err) == (0, "")
    assert "1 imported" in out


def test_a_file_that_cannot_be_read_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="cannot read the file") as exc:
        call_command("import_applications", str(tmp_path / "missing.jsonl"))
    assert exc.value.returncode == 2


def test_a_line_that_is_not_utf8_is_reported(tmp_path):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(json.dumps(sample()).encode() + b"\n" + '{"address": "caf\xe9"}'.encode("latin-1") + b"\n")
    code, _out, err = run(path)
    assert code == 1
    assert "line 2: not UTF-8 text" in err
    assert Application.objects.count() == 1


def test_a_class_that_contradicts_the_zero_investment_rules_is_kept_and_named_as_a_warning(tmp_path):
    general = sample(no="EXT-G", customer_class="lv_general")  # 80 kW in Kaili's urban area: 三零
    general["events"].insert(2, {"at": "2026-03-02T17:00:00+08:00", "type": "stage_completed", "stage": "plan"})
    big = sample(no="EXT-S", capacity_kw=200)  # above 160 kW: not 三零
    lines = [json.dumps(sample(no="EXT-OK")), json.dumps(general), json.dumps(big)]
    path = tmp_path / "classes.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = run(path)
    assert code == 0  # warnings keep the line
    assert "line 1" not in err
    assert (
        "line 2: warning: customer_class: lv_general, but the policy's zero-investment rules make it lv_sanling" in err
    )
    assert (
        "line 3: warning: customer_class: lv_sanling, but the policy's zero-investment rules make it lv_general" in err
    )
    assert "3 imported, 0 skipped (already present), 0 rejected, 2 with warnings" in out
    kept = {a.no: (a.customer_class, a.zero_investment) for a in Application.objects.all()}
    assert kept == {
        "EXT-OK": ("lv_sanling", True),
        "EXT-G": ("lv_general", False),  # the utility's class, and the flag it implies
        "EXT-S": ("lv_sanling", True),
    }
