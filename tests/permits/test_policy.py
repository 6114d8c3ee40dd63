"""The [permits] section of the policy: what the shipped file holds, and its validation."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

import pytest
from django.conf import settings

from bandian.permits.departments import department_rows
from bandian.policy.loader import PolicyError, validate_policy

RAW = tomllib.loads((Path(settings.BASE_DIR) / "policies" / "qiandongnan-2021.toml").read_text(encoding="utf-8"))


@pytest.fixture
def raw() -> dict:
    return copy.deepcopy(RAW)


def test_the_shipped_policy_names_the_five_items_and_their_departments(raw):
    permits = validate_policy(raw).permits
    assert {code: item.zh for code, item in permits.items.items()} == {
        "green_space": "占用城市绿地",
        "tree_felling": "采伐城市树木",
        "road_works": "占用、挖掘城市道路",
        "bridge_lines": "城市桥梁上架设管线",
        "road_occupation": "非交通占用道路",
    }
    assert permits.restoration_workdays == 10
    assert (permits.filing_max_kv, permits.filing_max_length_m, permits.filing_excludes_wells) == (0.4, 50, True)


def test_an_item_mapped_to_an_unknown_department_is_named(raw):
    raw["permits"]["items"]["green_space"]["department"] = "forestry"
    with pytest.raises(PolicyError) as exc:
        validate_policy(raw, source="test.toml")
    assert "permits.items.green_space.department: 'forestry' is not defined in [permits.departments]" in str(exc.value)


def test_a_missing_restoration_deadline_is_named(raw):
    del raw["permits"]["restoration_workdays"]
    with pytest.raises(PolicyError, match=r"permits\.restoration_workdays: Field required"):
        validate_policy(raw, source="test.toml")


def test_a_county_government_is_one_department_per_county(raw):
    permits = validate_policy(raw).permits
    rows = department_rows(permits, [("522601", "凯里市"), ("522622", "黄平县")])
    assert {r["code"]: (r["name"], r["county"]) for r in rows} == {
        "housing": ("州住房城乡建设局", None),
        "natural_resources": ("州自然资源局", None),
        "transport": ("州交通运输局", None),
        "government_services": ("州政务服务中心", None),
        "county-522601": ("凯里市人民政府", "522601"),
        "county-522622": ("黄平县人民政府", "522622"),
    }


@pytest.mark.django_db
def test_every_department_of_the_policy_is_stored():
    from bandian.accounts.models import Department

    assert Department.objects.filter(county__isnull=True).count() == 4
    assert Department.objects.get(code="county-522636").name == "丹寨县人民政府"
