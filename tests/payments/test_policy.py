"""The fee catalogue in the policy: what the shipped file holds, its validation, and the selector
of the items in force."""

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from bandian.applications.payments.selectors import catalogue_in_force
from bandian.core.time import SHANGHAI
from bandian.policy.loader import PolicyError, validate_policy

RAW = tomllib.loads((Path(settings.BASE_DIR) / "policies" / "qiandongnan-2021.toml").read_text(encoding="utf-8"))


@pytest.fixture
def raw() -> dict:
    return copy.deepcopy(RAW)


def test_the_shipped_catalogue_has_no_routine_fee_only_the_illustrative_high_reliability_fee(raw):
    fees = validate_policy(raw).fees
    assert [(f.code, f.unit, f.classes, f.illustrative) for f in fees] == [
        ("high_reliability_overhead", "kva", ["hv_dual"], True),
        ("high_reliability_cable", "kva", ["hv_dual"], True),
    ]
    assert all(f.basis == "发改价格〔2003〕2279号" and "高可靠性供电费" in f.zh for f in fees)


def test_an_older_policy_without_a_catalogue_loads_with_none(raw):
    del raw["fees"]
    assert validate_policy(raw).fees == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"classes": ["villa"]}, "fees[0].classes[0]"),
        ({"amount": -1}, "fees[0].amount"),
        ({"amount": 1.234}, "fees[0].amount"),
        ({"unit": "hour"}, "fees[0].unit"),
        ({"basis": ""}, "fees[0].basis"),
        ({"to": dt.date(2020, 1, 1)}, "fees[0]: Value error, 'to' (2020-01-01) is before 'from'"),
        ({"code": "Bad Code"}, "fees[0].code"),
    ],
)
def test_a_wrong_item_is_refused_naming_the_key(raw, change, message):
    raw["fees"][0].update(change)
    with pytest.raises(PolicyError) as exc:
        validate_policy(raw, source="test.toml")
    assert message in str(exc.value)


def test_the_same_code_twice_may_not_overlap(raw):
    again = dict(raw["fees"][0], **{"from": dt.date(2024, 1, 1), "amount": 170.0})
    raw["fees"].append(again)
    with pytest.raises(PolicyError) as exc:
        validate_policy(raw, source="test.toml")
    assert "fees[2].from: 'high_reliability_overhead' from 2024-01-01 overlaps its entry from 2021-07-13" in str(
        exc.value
    )
    raw["fees"][0]["to"] = dt.date(2023, 12, 31)
    policy = validate_policy(raw)
    on = {
        day: [(f.code, f.amount) for f in catalogue_in_force(at=day, policy=policy)]
        for day in (
            dt.date(2023, 12, 31),
            dt.date(2024, 1, 1),
        )
    }
    assert ("high_reliability_overhead", Decimal("160")) in on[dt.date(2023, 12, 31)]
    assert ("high_reliability_overhead", Decimal("170")) in on[dt.date(2024, 1, 1)]


def test_the_selector_reads_the_day_in_shanghai(db):
    # 2021-07-12 16:30 UTC is already the 13th, the day the items come into force, in Shanghai.
    assert catalogue_in_force(at=dt.datetime(2021, 7, 12, 16, 30, tzinfo=dt.UTC))
    assert catalogue_in_force(at=dt.datetime(2021, 7, 12, 23, 59, tzinfo=SHANGHAI)) == []
    assert catalogue_in_force(at=dt.date(2021, 7, 12)) == []
