"""The policy file: every number of the plan, and a broken file refused naming the key."""

from __future__ import annotations

import copy
import datetime as dt
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from django.conf import settings

from bandian.policy.loader import PolicyError, load_policy, validate_policy
from bandian.policy.schema import PolicyGap

POLICY = Path(settings.BASE_DIR) / "policies" / "qiandongnan-2021.toml"
TEXT = POLICY.read_text(encoding="utf-8")
RAW = tomllib.loads(TEXT)


@pytest.fixture
def raw():
    return copy.deepcopy(RAW)


def test_the_shipped_policy_holds_the_time_limits_of_the_plan():
    policy = load_policy(POLICY)
    expected = {  # class: (clock, [(from, to, total, split)])
        "residential": ("full_process", [(dt.date(2021, 1, 1), None, 5, {"apply": 1, "connect": 4})]),
        "lv_sanling": (
            "full_process",
            [
                (dt.date(2021, 1, 1), dt.date(2021, 12, 31), 20, {"apply": 1, "connect": 19}),
                (dt.date(2022, 1, 1), None, 15, {"apply": 1, "connect": 14}),
            ],
        ),
        "lv_general": ("utility", [(dt.date(2021, 1, 1), None, 6, {"apply": 1, "plan": 2, "connect": 3})]),
        "hv_single": ("utility", [(dt.date(2021, 1, 1), None, 22, {"apply": 2, "plan": 10, "connect": 10})]),
        "hv_dual": ("utility", [(dt.date(2021, 1, 1), None, 30, {"apply": 2, "plan": 15, "connect": 13})]),
    }
    for code, (clock, limits) in expected.items():
        rule = policy.classes[code]
        assert rule.clock == clock
        assert [(lim.valid_from, lim.valid_to, lim.total, lim.steps) for lim in rule.limits] == limits
    assert policy.limit_for("lv_sanling", dt.date(2021, 12, 31)).total == 20
    assert policy.limit_for("lv_sanling", dt.date(2022, 1, 1)).total == 15
    assert policy.access_approval_limit("low", dt.date(2022, 1, 1)) == 5
    assert policy.access_approval_limit("high", dt.date(2022, 1, 1)) == 10
    assert policy.parallel_approval_limit(dt.date(2022, 1, 1)) == 5
    assert [(lim.valid_from, lim.valid_to) for lim in policy.approval.access_limits] == [(dt.date(2021, 1, 1), None)]
    assert [(lim.valid_from, lim.valid_to) for lim in policy.approval.parallel_limits] == [(dt.date(2021, 1, 1), None)]


def test_the_shipped_policy_holds_steps_documents_and_visits():
    classes = load_policy(POLICY).classes
    assert {c: (r.steps_max, len(r.steps)) for c, r in classes.items()} == {
        "residential": (2, 2),
        "lv_sanling": (2, 2),
        "lv_general": (3, 3),
        "hv_single": (3, 3),
        "hv_dual": (3, 3),
    }
    assert classes["residential"].documents == ["id_card", "property_proof"]
    assert classes["lv_sanling"].documents == ["business_licence", "property_proof"]
    assert classes["lv_general"].documents == ["business_licence", "property_proof"]
    assert classes["hv_single"].documents == ["business_licence", "property_proof", "load_list"]
    assert classes["hv_dual"].documents == ["business_licence", "property_proof", "load_list"]
    assert {c: r.visits_max for c, r in classes.items()} == {
        "residential": None,
        "lv_sanling": 0,
        "lv_general": None,
        "hv_single": 1,
        "hv_dual": 1,
    }


def test_the_shipped_policy_holds_zero_investment_reliability_and_counting():
    policy = load_policy(POLICY)
    rules = {(r.key, tuple(r.counties), r.urban, r.max_kw, r.valid_from) for r in policy.zero_investment}
    others = tuple(c for c in policy.counties if c != "522601")
    assert rules == {
        ("kaili_urban", ("522601",), True, 160, dt.date(2020, 1, 1)),
        ("county_urban", others, True, 160, dt.date(2021, 12, 31)),
        ("rural", (), False, 100, dt.date(2021, 12, 31)),
        ("prefecture", (), None, 160, dt.date(2022, 6, 30)),
    }
    target_2021, target_2022 = policy.reliability_target(2021), policy.reliability_target(2026)
    assert target_2021 and (target_2021.central, target_2021.urban, target_2021.town, target_2021.rural) == (
        3.1,
        7.3,
        11.2,
        23,
    )
    assert target_2022 and (target_2022.central, target_2022.urban, target_2022.town, target_2022.rural) == (
        1.9,
        4.9,
        8.9,
        15,
    )
    assert set(policy.pause_reasons) == {
        "customer_not_ready",
        "customer_requested_date",
        "customer_works",
        "awaiting_document",
    }
    assert policy.counting.restart_window_days == 30
    assert policy.counting.hours_per_workday == 24
    assert len(policy.counties) == 16
    assert policy.policy.document == "黔东南发改能源〔2021〕57号"


def test_zero_investment_is_decided_by_date_county_area_and_capacity():
    policy = load_policy(POLICY)

    def rule(day, county, urban, kw):
        found = policy.zero_investment_rule(day=dt.date.fromisoformat(day), county=county, urban=urban, capacity_kw=kw)
        return found.key if found else None

    assert rule("2021-03-01", "522601", True, 160) == "kaili_urban"
    assert rule("2021-03-01", "522622", True, 100) is None
    assert rule("2021-12-31", "522622", True, 160) == "county_urban"
    assert rule("2021-12-31", "522622", False, 120) is None
    assert rule("2021-12-31", "522622", False, 100) == "rural"
    assert rule("2022-06-30", "522622", False, 160) == "prefecture"
    assert rule("2022-06-30", "522622", False, 161) is None


# A broken policy is refused with the key named.


def refused(raw: dict) -> str:
    with pytest.raises(PolicyError) as caught:
        validate_policy(raw, source="test.toml")
    return str(caught.value)


def test_steps_not_adding_up_name_the_limit(raw):
    raw["classes"]["lv_sanling"]["limits"][1]["steps"]["connect"] = 13
    assert "classes.lv_sanling.limits[1].steps: the steps add up to 14, not to the total 15" in refused(raw)


def test_a_missing_key_is_named(raw):
    del raw["counting"]["restart_window_days"]
    assert "counting.restart_window_days: Field required" in refused(raw)


def test_a_wrong_type_is_named(raw):
    raw["classes"]["hv_dual"]["limits"][0]["total"] = "thirty"
    assert "classes.hv_dual.limits[0].total: Input should be a valid integer" in refused(raw)


def test_a_misspelt_key_is_named(raw):
    raw["approval"]["low_voltage_days"] = 5
    assert "approval.low_voltage_days: Extra inputs are not permitted" in refused(raw)


def test_a_document_not_defined_is_named(raw):
    raw["classes"]["residential"]["documents"] = ["id_card", "marriage_certificate"]
    assert "classes.residential.documents[1]: 'marriage_certificate' is not defined in [documents]" in refused(raw)


def test_more_documents_than_the_plan_allows_are_refused(raw):
    raw["classes"]["lv_general"]["documents"].append("load_list")
    assert "classes.lv_general.documents: 3 documents listed, the plan allows 2" in refused(raw)


def test_a_limit_split_over_other_steps_is_named(raw):
    raw["classes"]["residential"]["limits"][0]["steps"] = {"apply": 1, "plan": 4}
    assert "classes.residential.limits[0].steps: must name exactly the steps" in refused(raw)


def test_overlapping_limits_are_named(raw):
    raw["classes"]["lv_sanling"]["limits"][0]["to"] = dt.date(2022, 3, 1)
    assert "classes.lv_sanling.limits[1].from: the limit from 2022-01-01 overlaps" in refused(raw)


def test_an_unknown_class_and_a_missing_class_are_named(raw):
    raw["classes"]["hv_triple"] = raw["classes"].pop("hv_dual")
    message = refused(raw)
    assert "classes.hv_triple" in message


def test_a_bad_county_code_is_named(raw):
    raw["counties"]["5226"] = "nowhere"
    assert "counties: Value error, '5226' is not a six-digit adcode" in refused(raw)


def test_a_zero_investment_rule_for_an_unknown_county_is_named(raw):
    raw["zero_investment"][0]["counties"] = ["522601", "999999"]
    assert "zero_investment[0].counties[1]: '999999' is not in [counties]" in refused(raw)


def test_overlapping_reliability_years_are_named(raw):
    raw["reliability"][0]["to_year"] = 2022
    assert "reliability[1].from_year: overlaps the years of reliability[0]" in refused(raw)


def test_every_problem_is_listed(raw):
    del raw["counting"]["warning_share"]
    raw["approval"]["access_limits"][0]["high_voltage_workdays"] = 0
    message = refused(raw)
    assert "counting.warning_share" in message
    assert "approval.access_limits[0].high_voltage_workdays: Input should be greater than 0" in message


def test_overlapping_approval_limits_are_named(raw):
    raw["approval"]["parallel_limits"].append({"from": dt.date(2023, 1, 1), "workdays": 4})
    assert "approval.parallel_limits[1].from: the limit from 2023-01-01 overlaps the one from 2021-01-01" in refused(
        raw
    )


def test_a_day_no_approval_limit_covers_is_a_gap_in_the_policy():
    policy = load_policy(POLICY)
    with pytest.raises(PolicyGap, match="no approval limit on 2020-12-31"):
        policy.access_approval_limit("low", dt.date(2020, 12, 31))


def test_invalid_toml_names_the_line(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text(TEXT.replace("restart_window_days = 30", "restart_window_days = = 30"), encoding="utf-8")
    with pytest.raises(PolicyError, match=r"not valid TOML.*line \d+"):
        load_policy(path)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(PolicyError, match="no such policy file"):
        load_policy(tmp_path / "none.toml")


def _manage(*args: str, policy: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "POLICY_FILE": str(policy),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "bandian.settings",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_start_up_stops_on_a_broken_policy_naming_the_key(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text(
        TEXT.replace("steps = { apply = 1, connect = 14 }", "steps = { apply = 2, connect = 14 }"), encoding="utf-8"
    )
    result = _manage("check", policy=broken, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "classes.lv_sanling.limits[1].steps: the steps add up to 16, not to the total 15" in result.stderr


def test_start_up_goes_ahead_with_the_shipped_policy(tmp_path):
    result = _manage("check", policy=POLICY, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr


def test_a_class_on_the_wrong_voltage_is_named(raw):
    raw["classes"]["hv_single"]["voltage"] = "low"
    assert "classes.hv_single.voltage: hv_single is a high-voltage class" in refused(raw)


def test_a_malformed_code_is_named(raw):
    raw["pause_reasons"]["Customer Away"] = {"zh": "客户不在", "en": "Away"}
    assert "pause_reasons.Customer Away (the key itself): String should match pattern" in refused(raw)
