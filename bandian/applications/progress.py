"""The public progress query, shared by the page and the API: what a well-formed query is, the
guard against guessing, and the lookup. Both surfaces call `find`, so they give the same answer:

- malformed input (a number that is empty, too long or holds control characters; digits that are
  not exactly four ASCII digits 0-9: full-width `１２３４` and superscript `²²²²` are not digits here)
  is refused before anything is looked up or counted, whether the number exists or not (422);
- too many failed guesses for the number or from the address: refused (429);
- an unknown number, a draft or an application withdrawn before it was submitted (never
  submitted, so not an application anyone follows), an application without a phone and wrong
  digits all give the same "not found" (404) and count as one failed guess;
- otherwise the application's row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import weakref
from collections.abc import Callable
from contextlib import nullcontext
from functools import cache as cache_on_first_use
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest
from django.utils import translation
from django.utils.dateparse import parse_datetime

from bandian.applications.enums import EventType, Status
from bandian.applications.models import Application, Event
from bandian.core.clientip import client_ip
from bandian.core.counters import attempt_count, attempt_counts
from bandian.core.time import SHANGHAI
from bandian.policy.loader import active_policy
from bandian.policy.schema import Policy, PolicyGap

# Guessing the four digits of the public progress query: only failed lookups count. After
# PROGRESS_FAILURES_PER_NUMBER wrong answers for one number within PROGRESS_WINDOW, that number
# answers 429 until the window ends (10,000 combinations at 10 an hour take months); after
# PROGRESS_FAILURES_PER_CLIENT failures from one address, so does every number for that address.
# Successful queries cost two cache reads and nothing else, so honest traffic is never slowed.
PROGRESS_WINDOW = 3600
PROGRESS_FAILURES_PER_NUMBER = 10
PROGRESS_FAILURES_PER_CLIENT = 100


def client_address(request: HttpRequest) -> str:
    return client_ip(request)


def guessing_refused(no: str, client: str) -> bool:
    counts = attempt_counts(f"progress-fail:no:{no}", f"progress-fail:ip:{client}")
    return (
        counts[f"progress-fail:no:{no}"] >= PROGRESS_FAILURES_PER_NUMBER
        or counts[f"progress-fail:ip:{client}"] >= PROGRESS_FAILURES_PER_CLIENT
    )


def guess_failed(no: str, client: str) -> None:
    # Counted atomically in the shared cache. A guess is checked before it is evaluated and
    # counted after, so with N processes at most N - 1 guesses beyond the limit can be in flight.
    for key in (f"progress-fail:no:{no}", f"progress-fail:ip:{client}"):
        attempt_count(key, window=PROGRESS_WINDOW)


# Only ASCII digits: `str.isdigit()` and `\d` also take full-width and superscript digits.
FOUR_DIGITS = re.compile(r"[0-9]{4}")
NUMBER_MAX_LENGTH = 32
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class ProgressRefused(Exception):
    """Too many failed guesses: the query is not evaluated (429)."""


class ProgressNotFound(Exception):
    """No application to show: unknown number, draft, no phone or wrong digits alike (404)."""


def normalise_number(raw: str) -> str:
    """Application numbers are upper case; what people type may not be."""
    return raw.strip().upper()


def valid_number(no: str) -> bool:
    return 0 < len(no) <= NUMBER_MAX_LENGTH and CONTROL.search(no) is None


def valid_digits(digits: str) -> bool:
    return FOUR_DIGITS.fullmatch(digits) is not None


PROGRESS_FIELDS = (
    "id",
    "phone",
    "customer_class",
    "county_id",
    "status",
    "current_stage",
    "submitted_at",
    "clock_started_at",
    "stage_due_at",
    "due_at",
    "energised_at",
    "progress_key",
    "progress_answer",
)


@cache_on_first_use
def _progress_sql() -> str:
    qn = connection.ops.quote_name
    meta = Application._meta
    column = {f.attname: str(f.column) for f in meta.concrete_fields}
    columns = ", ".join(qn(column[name]) for name in PROGRESS_FIELDS)
    return f"SELECT {columns} FROM {qn(meta.db_table)} WHERE {qn(column['no'])} = %s LIMIT 1"  # noqa: S608


def _aware(value: Any) -> dt.datetime | None:
    """A timestamp from a raw row: PostgreSQL gives aware datetimes, SQLite UTC text."""
    if value is None or isinstance(value, dt.datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=dt.UTC)
    parsed = parse_datetime(str(value))
    return parsed if parsed is None or parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


# On PostgreSQL, one server-binding cursor per connection: after a few uses psycopg prepares the
# query on the server (see DB_PREPARED_STATEMENTS in settings), and no cursor is built per request.
# It is wrapped like any Django cursor whenever queries are logged or wrapped (DEBUG, tests).
_progress_cursors: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def _fetch_progress_row(no: str) -> tuple[Any, ...] | None:
    if connection.vendor == "postgresql":
        from django.db.backends.postgresql.base import ServerBindingCursor  # type: ignore[attr-defined]

        connection.ensure_connection()
        raw = connection.connection
        cursor = _progress_cursors.get(raw)
        if cursor is None or cursor.closed:
            cursor = _progress_cursors[raw] = ServerBindingCursor(raw)
        if connection.queries_logged or connection.execute_wrappers:
            wrapped = connection._prepare_cursor(cursor)  # type: ignore[attr-defined]
            wrapped.execute(_progress_sql(), [no])
            return wrapped.fetchone()
        # Nobody logs or wraps queries (production): the psycopg cursor itself, with Django's
        # error translation, skips a wrapper that costs as much as the query's own client work.
        connection.validate_no_broken_transaction()
        with connection.wrap_database_errors:
            cursor.execute(_progress_sql(), [no])
            return cursor.fetchone()  # type: ignore[no-any-return]
    with connection.cursor() as django_cursor:
        django_cursor.execute(_progress_sql(), [no])
        return django_cursor.fetchone()


def progress_row(no: str) -> tuple[Any, ...] | None:
    """The one indexed lookup on the unique number. Raw SQL on purpose: building the same
    ORM query costs several times the database's own time, and this is the hot public path."""
    row = _fetch_progress_row(no)
    if row is None:
        return None
    return (*row[:6], *(_aware(v) for v in row[6:11]), *row[11:])


def _same(a: str, b: str) -> bool:
    # Bytes: compare_digest refuses str with anything but ASCII in it (a stored phone may have it).
    return hmac.compare_digest(a.encode(), b.encode())


def find(no: str, digits: str, client: str) -> tuple[Any, ...]:
    """The row (PROGRESS_FIELDS) of the application numbered `no` whose phone ends in `digits`.

    `no` is normalised and both are well formed (the callers check with valid_number and
    valid_digits first, and answer malformed input without calling this)."""
    if guessing_refused(no, client):
        raise ProgressRefused
    row = progress_row(no)
    if row is None or row[4] == Status.DRAFT or row[6] is None or len(row[1]) < 4 or not _same(row[1][-4:], digits):
        # The same answer whether the number or the phone is wrong: nothing to probe.
        guess_failed(no, client)
        raise ProgressNotFound
    return row


# The answer, and the summary that holds it ready.
#
# The API's answer is a function of the row's fields above and of the policy in force, nothing
# else (no "now"). The write path stores it, built, beside the row (`progress_answer`) with the
# key of what it was built from (`progress_key`: those fields, the policy, the language), in the
# same transaction as the change: services.derived_fields calls `summary`. The query sends the
# stored answer when the key still matches the row it just read, and builds it afresh otherwise
# (a row some other path changed, a new policy, another language): never a stale answer, and no
# cache to share between processes or to evict the guard's counters.

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)
_fingerprints: dict[int, tuple[Policy, str]] = {}


def _us(value: dt.datetime | None) -> str:
    return "" if value is None else str((value - _EPOCH) // _MICROSECOND)


def policy_fingerprint(policy: Policy) -> str:
    """A short digest of the policy's content (computed once per loaded policy)."""
    known = _fingerprints.get(id(policy))
    if known is None or known[0] is not policy:
        digest = hashlib.sha256(policy.model_dump_json().encode()).hexdigest()[:16]
        known = _fingerprints[id(policy)] = (policy, digest)
    return known[1]


def summary_key(
    policy: Policy,
    language: str,
    *,
    customer_class: str,
    county: str,
    status: str,
    stage: str,
    submitted_at: dt.datetime | None,
    clock_started_at: dt.datetime | None,
    stage_due_at: dt.datetime | None,
    due_at: dt.datetime | None,
    energised_at: dt.datetime | None,
) -> str:
    times = "|".join(_us(t) for t in (submitted_at, clock_started_at, stage_due_at, due_at, energised_at))
    return f"{policy_fingerprint(policy)}|{language}|{customer_class}|{county}|{status}|{stage}|{times}"


def _local(value: dt.datetime | None) -> str | None:
    """Asia/Shanghai with its offset, to the millisecond (as DjangoJSONEncoder writes times)."""
    if value is None:
        return None
    text = value.astimezone(SHANGHAI).isoformat()
    return text[:23] + text[26:] if value.microsecond else text


def _stage_name(policy: Policy, stage: str) -> str:
    return policy.stages[stage].zh if stage in policy.stages else stage


def answer(
    policy: Policy,
    *,
    no: str,
    customer_class: str,
    county: str,
    status: str,
    stage: str,
    submitted_at: dt.datetime | None,
    clock_started_at: dt.datetime | None,
    stage_due_at: dt.datetime | None,
    due_at: dt.datetime | None,
    energised_at: dt.datetime | None,
    completed: Callable[[], set[str]],
) -> dict[str, Any]:
    """The API's answer (schemas.ProgressOut), in the active language. `completed` gives the
    steps completed, asked only for a withdrawn or cancelled application."""
    rule = policy.classes[customer_class]
    try:
        limits: dict[str, int] | None = dict(
            policy.limit_for(
                customer_class, (clock_started_at or submitted_at or _EPOCH).astimezone(SHANGHAI).date()
            ).steps
        )
    except (PolicyGap, KeyError):
        limits = None
    if status == Status.ENERGISED:
        done = set(rule.steps)
    elif stage in rule.steps:
        done = set(rule.steps[: rule.steps.index(stage)])
    elif status in (Status.WITHDRAWN, Status.CANCELLED):
        done = completed()
    else:
        done = set()
    return {
        "no": no,
        "customer_class": customer_class,
        "customer_class_name": rule.zh,
        "county_name": policy.counties.get(county, county),
        "status": status,
        "status_name": str(Status(status).label),
        "current_stage": stage,
        "current_stage_name": _stage_name(policy, stage) if stage else "",
        "submitted_at": _local(submitted_at),
        "stage_due_at": _local(stage_due_at),
        "due_at": _local(due_at),
        "energised_at": _local(energised_at),
        "limit_clock": rule.clock,
        "limit_workdays": sum(limits.values()) if limits else None,
        "steps": [
            {
                "stage": s,
                "name": _stage_name(policy, s),
                "limit_workdays": limits.get(s) if limits else None,
                "state": "done" if s in done else ("current" if s == stage else "pending"),
            }
            for s in rule.steps
        ],
    }


def encode(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def summary(policy: Policy, *, no: str, completed: set[str], **fields: Any) -> tuple[str, str]:
    """(progress_key, progress_answer) for the write path to store: the answer in the site's
    language, and the key the query checks it by."""
    language = settings.LANGUAGE_CODE
    # Switching the language costs more than the answer: only when another one is active.
    with nullcontext() if translation.get_language() == language else translation.override(language):
        body = _framed_answer(policy, language, no, completed, fields)
    return summary_key(policy, language, **fields), body


# The answer's text apart from the number and the four instants depends on a few values only
# (class, county, status, stage, the limits in force, the steps done): it is encoded once per
# such combination, with markers where those five go, and filled in (a bulk import stores
# 100,000 answers). tests/api/test_progress_frames.py holds it to `encode(answer(...))`.
_MARKERS = ("\x00no\x00", "\x00t1\x00", "\x00t2\x00", "\x00t3\x00", "\x00t4\x00")
_TIMED = ("submitted_at", "stage_due_at", "due_at", "energised_at")
_frames: dict[tuple[Any, ...], tuple[str, ...]] = {}
_FRAMES_KEPT = 20_000


def _framed_answer(policy: Policy, language: str, no: str, completed: set[str], fields: dict[str, Any]) -> str:
    cls, status = fields["customer_class"], fields["status"]
    start = fields["clock_started_at"] or fields["submitted_at"] or _EPOCH
    try:
        limits: tuple[tuple[str, int], ...] | None = tuple(
            policy.limit_for(cls, start.astimezone(SHANGHAI).date()).steps.items()
        )
    except (PolicyGap, KeyError):
        limits = None
    closed = frozenset(completed) if status in (Status.WITHDRAWN, Status.CANCELLED) else None
    key = (policy_fingerprint(policy), language, cls, fields["county"], status, fields["stage"], limits, closed)
    frame = _frames.get(key)
    if frame is None:
        payload = answer(policy, no=no, completed=lambda: completed, **fields)
        payload["no"] = _MARKERS[0]
        payload.update(zip(_TIMED, _MARKERS[1:], strict=True))
        rest = encode(payload)
        pieces = []
        for marker in _MARKERS:
            head, found, rest = rest.partition(_json(marker))
            assert found and _json(marker) not in rest
            pieces.append(head)
        pieces.append(rest)
        if len(_frames) >= _FRAMES_KEPT:
            _frames.clear()
        frame = _frames[key] = tuple(pieces)
    times = [_local(fields[name]) for name in _TIMED]
    return (
        f"{frame[0]}{_json(no)}{frame[1]}{_text(times[0])}{frame[2]}{_text(times[1])}{frame[3]}"
        f"{_text(times[2])}{frame[4]}{_text(times[3])}{frame[5]}"
    )


_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode  # as `encode` writes a value


def _text(value: str | None) -> str:
    """An instant's JSON as `encode` writes it (ISO text needs no escaping)."""
    return "null" if value is None else f'"{value}"'


def answer_for(row: tuple[Any, ...], no: str) -> str:
    """The API's answer for a row from `find`, as JSON text: the stored one when it was built
    from exactly this row, policy and language, else built now."""
    pk, _phone, cls, county, status, stage, submitted_at, clock_started_at, stage_due_at, due_at, energised_at = row[
        :11
    ]
    key, stored = row[11], row[12]
    policy = active_policy()
    fields = {
        "customer_class": cls,
        "county": county,
        "status": status,
        "stage": stage,
        "submitted_at": submitted_at,
        "clock_started_at": clock_started_at,
        "stage_due_at": stage_due_at,
        "due_at": due_at,
        "energised_at": energised_at,
    }
    if stored and key == summary_key(policy, translation.get_language() or "", **fields):
        return str(stored)

    def completed() -> set[str]:  # rare: ask the timeline what was done
        return set(
            Event.objects.filter(application_id=pk, type=EventType.STAGE_COMPLETED).values_list("stage", flat=True)
        )

    return encode(answer(policy, no=no, completed=completed, **fields))
