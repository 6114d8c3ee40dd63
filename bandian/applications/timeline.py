"""The tamper-evident timeline: each event hashes its canonical content plus the previous hash.

An event's hash is ``SHA-256(prev_hash + "\\n" + canonical content)``, where the canonical
content is every stored field of the event except its row id and its own hash: a compact JSON
array (no spaces, non-ASCII characters as themselves, UTF-8) of their values in the order of
`CONTENT_FIELDS` (alphabetical), with instants as ISO 8601 in UTC with microseconds
(``2026-09-28T01:15:00.123456+00:00``), and ``data`` as an object with sorted keys and
integral numbers written as integers (so that a round trip through PostgreSQL's jsonb cannot
change it). The content names the application both by its number and by its row id, and
carries the event's position (``seq``) and the previous event's hash, so changing any stored
field of an event, moving it to another application, deleting one or inserting one breaks the
chain of its application.

The first event of every chain follows ``GENESIS``. The application row keeps the chain's head
(``event_count`` and ``head_hash``), so deleting or forging the last event shows too, and the
daily anchor (`heads_digest`) pins every head in a published digest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
_UTC = dt.UTC


def _ts(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not _UTC:
        value = value.astimezone(_UTC)
    return value.isoformat(timespec="microseconds")


_SCALARS = (str, int, bool, type(None))


def _plain(value: Any) -> Any:
    """`data` as JSON would read it back, with integral floats as integers (jsonb drops `.0`)."""
    if isinstance(value, dict) and all(isinstance(v, _SCALARS) for v in value.values()):
        return value  # the common case: nothing to change
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def db_instant(value: dt.datetime | str | None) -> str | None:
    """`_ts` of an instant as a database driver returns it: aware, naive UTC, the text SQLite
    stores (naive UTC, ``2026-09-28 01:15:00.123456``, the fraction left out when zero), or text
    already in the canonical form."""
    if value is None:
        return None
    if isinstance(value, str):
        if len(value) == 32 and value[10] == "T" and value[26:] == "+00:00":
            return value  # formatted by the database exactly as `_ts` does
        if value[10:11] == " " and value[19:20] in (".", ""):
            if len(value) == 26:
                return f"{value[:10]}T{value[11:]}+00:00"
            if len(value) == 19:
                return f"{value[:10]}T{value[11:]}.000000+00:00"
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.isoformat(timespec="microseconds") + "+00:00"
    return _ts(value)


def db_data(value: dict[str, Any] | str | None) -> Any:
    """`data` as stored (JSON text, or already decoded), in its canonical form."""
    if value is None or value == "{}":
        return {}
    if isinstance(value, str):
        value = json.loads(value)
    return _plain(value) if value else {}


def _make_encoder() -> Callable[[Any], str]:
    """Compact JSON, sorted keys, UTF-8 as itself. The C encoder is built once (json.dumps builds
    one per call, which costs more than the hashing); where it is missing, the plain one."""
    plain = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode
    make = getattr(json.encoder, "c_make_encoder", None)
    basestring = getattr(json.encoder, "c_encode_basestring", None)
    if make is None or basestring is None:
        return plain
    try:
        c_encoder = make(None, str, basestring, None, ":", ",", True, False, True)
    except TypeError:  # another signature in another Python
        return plain

    def encode(value: Any) -> str:
        return "".join(c_encoder(value, 0))

    sample = [None, '申请 "1"\n', 1, True, {"b": [1.5, 2], "a": None}, "2026-01-01T00:00:00.000000+00:00"]
    return encode if encode(sample) == plain(sample) else plain


_encode = _make_encoder()


# The names of the canonical content's values, in the order they are serialised.
# An event's stored columns, in the order `services.build_event` gives them and `integrity` reads them.
EVENT_COLUMNS = (
    "application_id",
    "seq",
    "type",
    "stage",
    "reason",
    "note",
    "evidence",
    "evidence_sha256",
    "actor_id",
    "occurred_at",
    "received_at",
    "device_at",
    "device_id",
    "backfilled",
    "data",
    "prev_hash",
    "hash",
)

CONTENT_FIELDS = (
    "actor",
    "application",
    "application_id",
    "backfilled",
    "data",
    "device_at",
    "device_id",
    "evidence",
    "evidence_sha256",
    "note",
    "occurred_at",
    "prev_hash",
    "reason",
    "received_at",
    "seq",
    "stage",
    "type",
)


def canonical_list(values: list[Any]) -> str:
    """The canonical JSON text of content values already in `CONTENT_FIELDS` order."""
    return _encode(values)


def canonical(content: dict[str, Any]) -> bytes:
    return _encode([content[name] for name in CONTENT_FIELDS]).encode()


def event_content(
    *,
    application_no: str,
    application_id: int,
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
    prev_hash: str,
) -> dict[str, Any]:
    """The canonical content of an event: every stored field but `id` and `hash`."""
    return {
        "application": application_no,
        "application_id": application_id,
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
        "backfilled": bool(backfilled),
        "data": _plain(data) if data else {},
        "prev_hash": prev_hash,
    }


def chain_hash(prev_hash: str, content: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(content)).hexdigest()


# An event's canonical content in four pieces around what is known only when it is written — its
# application's row id, the previous hash and the receipt time:
#     content = parts[0] + str(application_id) + parts[1] + prev_hash + parts[2] + received + parts[3]
# where received is `_ts(received_at)`. The encoder writes a list as its items' own encodings
# joined by "," (no spaces), and a hash or an ISO instant needs no escaping, so the joined text
# is exactly `canonical(event_content(...))` (tests/timeline/test_parts.py holds them together).
# The bulk import makes the parts in its worker processes and chains them where ids are known.
ContentParts = tuple[str, str, str, str]


def content_parts(
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
    device_at: dt.datetime | None,
    device_id: str,
    backfilled: bool,
    data: dict[str, Any],
) -> ContentParts:
    """The canonical content of an event, but for its application's id, prev hash and receipt."""
    # Runs of values encoded as one list each, its brackets cut off: four calls of the encoder.
    head = _encode([actor_id, application_no])
    middle = _encode(
        [
            bool(backfilled),
            _plain(data) if data else {},
            _ts(device_at),
            device_id,
            evidence,
            evidence_sha256,
            note,
            _ts(occurred_at),
        ]
    )
    tail = _encode([seq, stage, type])
    return (f"{head[:-1]},", f',{middle[1:-1]},"', f'",{_encode(reason)},"', f'",{tail[1:]}')


def parts_hash(parts: ContentParts, application_id: int, prev_hash: str, received: str) -> str:
    """`chain_hash` of the content the parts make with these three values (`received` is the
    receipt time as `instant_text` writes it)."""
    text = f"{parts[0]}{application_id}{parts[1]}{prev_hash}{parts[2]}{received}{parts[3]}"
    return hashlib.sha256(f"{prev_hash}\n{text}".encode()).hexdigest()


def instant_text(value: dt.datetime) -> str:
    """An instant as the canonical content writes it (UTC, microseconds)."""
    text = _ts(value)
    assert text is not None
    return text


@dataclass(frozen=True)
class StoredEvent:
    """An event row as read back from the database, for verification."""

    content: dict[str, Any]
    hash: str

    @property
    def seq(self) -> int:
        return int(self.content["seq"])

    @property
    def prev_hash(self) -> str:
        return str(self.content["prev_hash"])


def verify_chain(events: Iterable[StoredEvent], *, event_count: int, head_hash: str) -> str | None:
    """None if the chain of one application verifies; otherwise what is wrong with it, in words.

    `events` are the application's stored events in `seq` order. This is the reference
    implementation; `bandian.applications.integrity` does the same over every application in one
    streamed pass.
    """
    prev = GENESIS
    n = 0
    for ev in events:
        n += 1
        if ev.seq != n:
            return chain_break(n, ev.seq)
        if ev.prev_hash != prev:
            return f"event {n} does not follow event {n - 1} (its previous hash differs)"
        if chain_hash(prev, ev.content) != ev.hash:
            return f"event {n} was changed after it was recorded (its hash does not match its content)"
        prev = ev.hash
    return head_problem(n, prev, event_count=event_count, head_hash=head_hash)


def chain_break(expected: int, found: int) -> str:
    if found > expected:
        return f"event {expected} is missing (the next stored event is number {found})"
    return f"an event was inserted or moved at position {expected} (found number {found})"


def head_problem(n: int, last_hash: str, *, event_count: int, head_hash: str) -> str | None:
    if n != event_count:
        return f"the chain holds {n} events but the application recorded {event_count}"
    if last_hash != (head_hash or GENESIS):
        return "the application's recorded head is not the hash of its last event"
    return None


def heads_digest(heads: Iterable[tuple[str, str]]) -> str:
    """One hash over every application's chain head, given in application-number order.

    SHA-256 over the UTF-8 lines ``<application no>:<head hash>\\n``; an application without
    events contributes its number and ``GENESIS``.
    """
    h = hashlib.sha256()
    for no, head in heads:
        h.update(f"{no}:{head or GENESIS}\n".encode())
    return h.hexdigest()
