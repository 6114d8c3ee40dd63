"""The stored progress answer, filled into a frame encoded once per kind of application, is the
answer built and encoded afresh, byte for byte."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import translation

from bandian.applications import progress
from bandian.applications.enums import Status
from bandian.policy.loader import active_policy

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
T = [
    None,
    dt.datetime(2023, 5, 8, 9, 30, tzinfo=SHANGHAI),
    dt.datetime(2025, 11, 3, 1, 2, 3, 456789, tzinfo=dt.UTC),
    dt.datetime(1999, 1, 1, tzinfo=dt.UTC),  # before any limit of the policy: no limits
]
CASES = [
    ("residential", "522601", Status.IN_PROGRESS, "apply", set()),
    ("residential", "522601", Status.PAUSED, "connect", {"apply"}),
    ("lv_general", "522622", Status.IN_PROGRESS, "plan", {"apply"}),
    ("hv_dual", "522636", Status.ENERGISED, "", {"apply", "plan", "connect"}),
    ("hv_single", "522630", Status.WITHDRAWN, "", {"apply"}),
    ("hv_single", "522630", Status.WITHDRAWN, "", {"apply", "plan"}),
    ("lv_sanling", "999999", Status.CANCELLED, "", set()),  # a county the policy does not name
]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_framed_answer_is_the_answer_encoded_afresh(case, language, settings):
    settings.LANGUAGE_CODE = language
    policy = active_policy()
    cls, county, status, stage, done = case
    for submitted, started, stage_due, due, energised in itertools.islice(itertools.product(T, repeat=5), 0, None, 7):
        fields = {
            "customer_class": cls,
            "county": county,
            "status": status,
            "stage": stage,
            "submitted_at": submitted,
            "clock_started_at": started,
            "stage_due_at": stage_due,
            "due_at": due,
            "energised_at": energised,
        }
        for no in ("QDN-2025-000001", 'BENCH-"号"\\1'):
            _key, body = progress.summary(policy, no=no, completed=done, **fields)
            with translation.override(language):
                fresh = progress.encode(progress.answer(policy, no=no, completed=lambda: done, **fields))
            assert body == fresh
