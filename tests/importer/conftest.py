from __future__ import annotations

import copy
from typing import Any

from bandian.core.identity import applicant_ref

SAMPLE: dict[str, Any] = {
    "no": "QDN-2026-000123",
    "customer_class": "lv_sanling",
    "county": "522601",
    "urban": True,
    "capacity_kw": 80,
    "voltage_kv": 0.4,
    "applicant_id": applicant_ref("522601199001011234"),
    "address": "凯里市北京东路 1 号",
    "documents": ["business_licence", "property_proof"],
    "events": [
        {"at": "2026-03-02T09:15:00+08:00", "type": "submitted"},
        {"at": "2026-03-02T16:00:00+08:00", "type": "stage_completed", "stage": "apply"},
        {"at": "2026-03-03T10:00:00+08:00", "type": "approval_started"},
        {"at": "2026-03-05T17:00:00+08:00", "type": "approval_completed"},
        {"at": "2026-03-06T09:00:00+08:00", "type": "paused", "reason": "customer_not_ready"},
        {"at": "2026-03-09T09:00:00+08:00", "type": "resumed"},
        {"at": "2026-03-10T15:30:00+08:00", "type": "stage_completed", "stage": "connect"},
    ],
}


def sample(**changes: Any) -> dict[str, Any]:
    """The §5 sample record, with some fields changed (None removes a field)."""
    record = copy.deepcopy(SAMPLE)
    for key, value in changes.items():
        if value is None:
            record.pop(key, None)
        else:
            record[key] = value
    return record
