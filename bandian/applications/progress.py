"""The public progress query, shared by the page and the API: what a well-formed query is, the
guard against guessing, and the lookup. Both surfaces call `find`, so they give the same answer:

- malformed input (a number that is empty, too long or holds control characters; digits that are
  not exactly four ASCII digits 0-9: full-width `１２３４` and superscript `²²²²` are not digits here)
  is refused before anything is looked up or counted, whether the number exists or not (422);
- too many failed guesses for the number or from the address: refused (429);
- an unknown number, a draft (not yet submitted, so not yet an application anyone follows), an
  application without a phone and wrong digits all give the same "not found" (404) and count as
  one failed guess;
- otherwise the application's row.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
import weakref
from functools import cache as cache_on_first_use
from typing import Any

from django.db import connection
from django.http import HttpRequest
from django.utils.dateparse import parse_datetime

from bandian.applications.enums import Status
from bandian.applications.models import Application
from bandian.core.clientip import client_ip
from bandian.core.counters import attempt_count, attempt_counts

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
# It is wrapped like any Django cursor, so query logging and execute wrappers still see it.
_progress_cursors: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def _fetch_progress_row(no: str) -> tuple[Any, ...] | None:
    if connection.vendor == "postgresql":
        from django.db.backends.postgresql.base import ServerBindingCursor  # type: ignore[attr-defined]

        connection.ensure_connection()
        raw = connection.connection
        cursor = _progress_cursors.get(raw)
        if cursor is None or cursor.closed:
            cursor = _progress_cursors[raw] = ServerBindingCursor(raw)
        wrapped = connection._prepare_cursor(cursor)  # type: ignore[attr-defined]
        wrapped.execute(_progress_sql(), [no])
        return wrapped.fetchone()
    with connection.cursor() as django_cursor:
        django_cursor.execute(_progress_sql(), [no])
        return django_cursor.fetchone()


def progress_row(no: str) -> tuple[Any, ...] | None:
    """The one indexed lookup on the unique number. Raw SQL on purpose: building the same
    ORM query costs several times the database's own time, and this is the hot public path."""
    row = _fetch_progress_row(no)
    if row is None:
        return None
    return (*row[:6], *(_aware(v) for v in row[6:]))


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
    if row is None or row[4] == Status.DRAFT or len(row[1]) < 4 or not _same(row[1][-4:], digits):
        # The same answer whether the number or the phone is wrong: nothing to probe.
        guess_failed(no, client)
        raise ProgressNotFound
    return row
