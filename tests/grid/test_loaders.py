"""Loading the grid from CSV: bad rows named by line and field, good rows kept, reruns add nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from bandian.grid.loaders import GridLoader
from bandian.grid.models import Feeder, LVCustomer, MVUser, Substation, Transformer

SUBSTATIONS = "code,name,county,voltage_kv\nS1,凯里110kV站,522601,110\nS2,黄平35kV站,522622,35\n"
FEEDERS = (
    "code,name,substation,county,area_class,density_class,rated_capacity_kva,peak_load_kva\n"
    "F1,10kV城东线,S1,522601,urban,B,8000,5200\n"
    "F2,10kV新州线,S2,522622,rural,,6000,\n"
)
TRANSFORMERS = (
    "code,name,feeder,ownership,capacity_kva,county,area_class\n"
    "T1,城东1号公变,F1,public,400,522601,urban\n"
    "C1,某厂专变,F1,customer,1250,522601,urban\n"
)
MV_USERS = (
    "user_id,kind,name,feeder,transformer,county,area_class,in_service_from,in_service_to\n"
    "T1,public_transformer,城东1号公变,F1,T1,522601,urban,,\n"
    "H1,hv_customer,某厂,F1,C1,522601,urban,2026-03-01,\n"
)
LV = "account_no,name,transformer,county\n0601000001,张三,T1,522601\n"


def load(**files: str) -> dict:
    reports = GridLoader().load({k: v.encode() for k, v in files.items()})
    return {r.name: r for r in reports}


def test_a_whole_grid_loads_in_one_run(db):
    reports = load(
        substations=SUBSTATIONS, feeders=FEEDERS, transformers=TRANSFORMERS, mv_users=MV_USERS, lv_customers=LV
    )

    assert all(not r.errors for r in reports.values())
    assert [Substation.objects.count(), Feeder.objects.count(), Transformer.objects.count()] == [2, 2, 2]
    h1 = MVUser.objects.get(user_id="H1")
    assert (h1.feeder.code, h1.transformer.code, str(h1.in_service_from)) == ("F1", "C1", "2026-03-01")
    assert Feeder.objects.get(code="F2").peak_load_kva is None
    assert LVCustomer.objects.get().transformer.code == "T1"


def test_loading_again_adds_nothing_and_updates_values(db):
    load(substations=SUBSTATIONS, feeders=FEEDERS)
    again = load(substations=SUBSTATIONS, feeders=FEEDERS.replace("8000,5200", "9000,5300"))

    assert (again["feeders"].created, again["feeders"].updated) == (0, 2)
    assert Feeder.objects.count() == 2
    assert Feeder.objects.get(code="F1").rated_capacity_kva == 9000


def test_bad_rows_are_reported_and_good_rows_kept(db):
    load(substations=SUBSTATIONS)
    feeders = (
        "code,name,substation,county,area_class,density_class,rated_capacity_kva\n"
        "F1,城东线,S1,522601,urban,A+,8000\n"
        "F2,新州线,S9,522622,rural,,6000\n"
        "F3,南线,S1,522601,suburb,,6000\n"
        "F4,北线,S1,522601,town,,lots\n"
        "F5,西线,S1,999999,town,,100\n"
        "F1,重复,S1,522601,town,,100\n"
        "F6,东线,S1,522601,town,F,100\n"
    )
    report = load(feeders=feeders)["feeders"]

    assert report.errors == [
        "line 3, field substation: no such substation: S9",
        "line 4, field area_class: 'suburb' is not one of central, urban, town, rural",
        "line 5, field rated_capacity_kva: 'lots' is not a whole number",
        "line 6, field county: no such county: 999999",
        "line 7, field code: F1 already given on line 2",
        "line 8, field density_class: 'F' is not one of A+, A, B, C, D, E",
    ]
    assert list(Feeder.objects.values_list("code", "density_class")) == [("F1", "A+")]


def test_missing_column_is_named(db):
    report = load(substations="code,name,voltage_kv\nS1,站,110\n")["substations"]
    assert report.errors == ["line 1, field county: missing column"]
    assert not Substation.objects.exists()


def test_mv_user_checks_its_transformer(db):
    load(substations=SUBSTATIONS, feeders=FEEDERS, transformers=TRANSFORMERS)
    users = (
        "user_id,kind,feeder,transformer,county,area_class,in_service_from,in_service_to\n"
        "U1,public_transformer,F1,C1,522601,urban,,\n"
        "U2,public_transformer,F2,T1,522622,rural,,\n"
        "U3,public_transformer,F1,,522601,urban,,\n"
        "U4,hv_customer,F1,,522601,urban,2026-05-01,2026-04-01\n"
        "U5,hv_customer,F1,,522601,urban,2026-13-01,\n"
    )
    report = load(mv_users=users)["mv_users"]
    assert report.errors == [
        "line 2, field transformer: a public-transformer user's transformer must be public",
        "line 3, field transformer: the transformer is on another feeder",
        "line 4, field transformer: a public-transformer user names its public transformer",
        "line 5, field in_service_to: before the first day in service",
        "line 6, field in_service_from: '2026-13-01' is not a date (YYYY-MM-DD)",
    ]
    assert not MVUser.objects.exists()


def test_a_county_operator_loads_only_their_county(db):
    load(substations=SUBSTATIONS)
    report = GridLoader(counties={"522601"}).load_one("substations", SUBSTATIONS.replace("110\n", "220\n").encode())
    assert report.errors == ["line 3, field county: you may not edit the grid of county 522622"]
    assert Substation.objects.get(code="S1").voltage_kv == 220


def test_not_utf8_is_reported_with_its_line(db):
    data = "code,name,county,voltage_kv\nS1,凯里,522601,110\n".encode() + "S2,黄平,522622,35\n".encode("gbk")
    report = GridLoader().load_one("substations", data)
    assert report.errors == ["line 3, field name: not UTF-8 text"]
    assert list(Substation.objects.values_list("code", flat=True)) == ["S1"]


def test_command_loads_files_and_exits_1_on_bad_rows(db, tmp_path, capsys):
    (tmp_path / "s.csv").write_text(SUBSTATIONS + "S3,,522601,35\n", encoding="utf-8")
    (tmp_path / "f.csv").write_text(FEEDERS, encoding="utf-8")

    with pytest.raises(SystemExit) as exit_info:
        call_command("load_grid", "--substations", str(tmp_path / "s.csv"), "--feeders", str(tmp_path / "f.csv"))

    out = capsys.readouterr()
    assert exit_info.value.code == 1
    assert "s.csv: line 4, field name: required" in out.err
    assert "f.csv: 2 created, 0 updated, 0 rejected" in out.out
