"""The hash the write path computes from an event's content parts is the hash of its canonical
content (`chain_hash(prev, event_content(...))`), whatever the values hold."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bandian.applications.timeline import GENESIS, chain_hash, content_parts, event_content, instant_text, parts_hash

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
RECEIVED = dt.datetime(2026, 6, 1, 8, 0, 0, 123456, tzinfo=dt.UTC)

PLAIN: dict[str, Any] = {
    "application_no": "QDN-2026-000123",
    "application_id": 17,
    "seq": 1,
    "type": "submitted",
    "stage": "",
    "reason": "",
    "note": "",
    "evidence": "",
    "evidence_sha256": "",
    "actor_id": None,
    "occurred_at": dt.datetime(2026, 3, 2, 9, 15, tzinfo=SHANGHAI),
    "device_at": None,
    "device_id": "",
    "backfilled": False,
    "data": {},
}

CASES = [
    {},
    {"note": '客户 "原因"\n第二行\t\\ \u2028 \x00', "type": "paused", "reason": "customer_not_ready", "seq": 6},
    {"actor_id": 42, "device_at": dt.datetime(2026, 3, 2, 1, 0, 0, 5, tzinfo=dt.UTC), "device_id": "终端-7"},
    {"backfilled": True, "evidence": "evidence/2026/09/a.pdf", "evidence_sha256": "ab" * 32},
    {"data": {"documents": ["id_card", "property_proof"], "zero_investment": True, "restart_of": None}},
    {"data": {"b": 2.0, "a": [1.5, {"z": 3.0, "y": "值"}], "c": None}, "stage": "connect", "type": "stage_completed"},
    {"application_no": "BENCH-000001", "application_id": 10**12, "seq": 1234},
]


@pytest.mark.parametrize("case", range(len(CASES)))
@pytest.mark.parametrize("prev", [GENESIS, "f0" * 32])
def test_the_hash_of_the_parts_is_the_hash_of_the_canonical_content(case, prev):
    fields = PLAIN | CASES[case]
    content = event_content(**fields, received_at=RECEIVED, prev_hash=prev)
    without = {k: v for k, v in fields.items() if k != "application_id"}
    parts = content_parts(**without)
    assert parts_hash(parts, fields["application_id"], prev, instant_text(RECEIVED)) == chain_hash(prev, content)


def test_a_different_id_previous_hash_or_receipt_gives_a_different_hash():
    parts = content_parts(**{k: v for k, v in PLAIN.items() if k != "application_id"})
    received = instant_text(RECEIVED)
    reference = parts_hash(parts, 17, GENESIS, received)
    assert parts_hash(parts, 18, GENESIS, received) != reference
    assert parts_hash(parts, 17, "f0" * 32, received) != reference
    assert parts_hash(parts, 17, GENESIS, instant_text(RECEIVED + dt.timedelta(microseconds=1))) != reference
