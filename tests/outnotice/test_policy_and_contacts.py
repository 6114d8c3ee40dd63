"""The notice periods in the policy, and the contacts outage notices go to in the grid."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

import pytest
from django.conf import settings

from bandian.grid.models import LVCustomer, MVUser
from bandian.grid.services import grid_files_load
from bandian.policy.loader import PolicyError, load_policy, validate_policy

POLICY = Path(settings.BASE_DIR) / "policies" / "qiandongnan-2021.toml"
RAW = tomllib.loads(POLICY.read_text(encoding="utf-8"))


def test_the_shipped_policy_holds_the_notice_periods():
    notices = load_policy(POLICY).outage_notices
    assert (notices.planned_days, notices.temporary_hours, notices.delivered_within_minutes) == (7, 24, 60)


def test_an_older_policy_without_the_section_gets_the_defaults():
    raw = copy.deepcopy(RAW)
    del raw["outage_notices"]
    assert validate_policy(raw, source="old.toml").outage_notices.planned_days == 7


def test_a_bad_notice_period_is_named():
    raw = copy.deepcopy(RAW)
    raw["outage_notices"]["planned_days"] = 0
    with pytest.raises(PolicyError) as caught:
        validate_policy(raw, source="test.toml")
    assert "outage_notices.planned_days" in str(caught.value)


@pytest.mark.django_db
def test_the_grid_files_carry_the_contacts(operator):
    files = {
        "substations": "code,name,county,voltage_kv\nS1,站,522601,110\n",
        "feeders": "code,name,substation,county,area_class,rated_capacity_kva\nF1,线,S1,522601,urban,8000\n",
        "transformers": (
            "code,name,feeder,ownership,capacity_kva,county,area_class\n"
            "T1,公变,F1,public,400,522601,urban\nC1,专变,F1,customer,1250,522601,urban\n"
        ),
        "mv_users": (
            "user_id,kind,name,feeder,transformer,county,area_class,contact_name,contact_phone\n"
            "T1,public_transformer,公变,F1,T1,522601,urban,,\n"
            "H1,hv_customer,某厂,F1,C1,522601,urban,王经理,13900000001\n"
        ),
        "lv_customers": "account_no,name,transformer,county,phone\n0601,张三,T1,522601,13900000002\n",
    }
    reports = grid_files_load(files={k: v.encode() for k, v in files.items()}, actor=operator)
    assert not [e for r in reports for e in r.errors]
    h1 = MVUser.objects.get(user_id="H1")
    assert (h1.contact_name, h1.contact_phone) == ("王经理", "13900000001")
    assert LVCustomer.objects.get(account_no="0601").phone == "13900000002"
