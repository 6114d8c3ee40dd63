"""The tamper-evident timeline: each event hashes its canonical content plus the previous hash.

The canonical content is every stored field of the event that carries meaning, as sorted JSON
with UTC timestamps, so that changing any of them, deleting an event or inserting one breaks the
chain of its application.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def _ts(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def event_content(
    *,
    application_no: str,
    seq: int,
    type: str,
    stage: str,
    reason: str,
    note: str,
    evidence: str,
    evidence_sha256: str,
    actor_id: int | None,
    occurred_at: dt.datetime,
    received_at: dt.datetime,
    device_at: dt.datetime | None,
    device_id: str,
    backfilled: bool,
    data: dict[str, Any],
) -> dict[str, Any]:
    return {
        "application": application_no,
        "seq": seq,
        "type": type,
        "stage": stage,
        "reason": reason,
        "note": note,
        "evidence": evidence,
        "evidence_sha256": evidence_sha256,
        "actor": actor_id,
        "occurred_at": _ts(occurred_at),
        "received_at": _ts(received_at),
        "device_at": _ts(device_at),
        "device_id": device_id,
        "backfilled": backfilled,
        "data": data,
    }


def chain_hash(prev_hash: str, content: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(content)).hexdigest()


@dataclass(frozen=True)
class StoredEvent:
    """An event row as read back from the database, for verification."""

    application_no: str
    content: dict[str, Any]
    prev_hash: str
    hash: str


def verify_chain(events: Iterable[StoredEvent], *, event_count: int, head_hash: str) -> str | None:
    """None if the chain verifies; otherwise what is wrong with it, in words."""
    prev = GENESIS
    n = 0
    for ev in events:
        n += 1
        if ev.content["seq"] != n:
            return f"event {n} is missing or out of place (found seq {ev.content['seq']})"
        if ev.prev_hash != prev:
            return f"event {n} does not follow event {n - 1}"
        if chain_hash(prev, ev.content) != ev.hash:
            return f"event {n} was changed after it was recorded"
        prev = ev.hash
    if n != event_count:
        return f"the chain holds {n} events, the application recorded {event_count}"
    if prev != (head_hash or GENESIS):
        return "the last event is not the one the application recorded"
    return None


def heads_digest(heads: Iterator[tuple[str, str]]) -> str:
    """One hash over every application's chain head, in application-number order."""
    h = hashlib.sha256()
    for no, head in heads:
        h.update(f"{no}:{head}\n".encode())
    return h.hexdigest()
