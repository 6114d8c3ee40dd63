"""Importing application records in the interchange format (requirements §5).

`validate_record` checks one record against the policy and returns it as plain data; it touches
the database only to look up the county and the application a restart refers to.
`ingest_record` then hands the application and its timeline to `services.import_history`,
which makes each event with the same `build_event` as every native change (`record_event`), so
an imported timeline gets its hash chain, and its status, clocks and deadlines are derived
exactly like a native one's.

Every problem raises `RecordError` naming the field (`events[3].stage: ...`).
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import multiprocessing.util
import re
from collections import deque
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import DatabaseError, IntegrityError, connection
from django.db.models.base import ModelState
from django.utils import timezone

from bandian.accounts.models import County
from bandian.applications import services
from bandian.applications.enums import INTERCHANGE_TYPES, Channel, EventType, Status
from bandian.applications.models import Application
from bandian.core.identity import KEYED_REF
from bandian.core.time import SHANGHAI
from bandian.policy.classes import CustomerClass
from bandian.policy.loader import active_policy
from bandian.policy.schema import Policy, PolicyGap
from bandian.workdays.calendar import CalendarYearMissing
from bandian.workdays.selectors import get_calendar

REQUIRED_FIELDS = (
    "no",
    "customer_class",
    "county",
    "urban",
    "capacity_kw",
    "voltage_kv",
    "applicant_id",
    "address",
    "documents",
    "events",
)
# Optional fields bandian reads beside the §5 ones.
OPTIONAL_FIELDS = ("restart_of", "applicant_name", "phone", "zero_investment")
EVENT_FIELDS = {"at", "type", "stage", "reason", "note"}
NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
PHONE = re.compile(r"^\+?\d{5,20}$")
RESTART_OF = Application._meta.get_field("restart_of")
# Every field's default, by attribute name, to make a new Application without Model.__init__.
_DEFAULTS: dict[str, Any] = {}


def new_application(**values: Any) -> Application:
    """`Application(**values)` for plain column values (attribute names: `county_id`, not
    `county`), at a fraction of the cost of `Model.__init__` (which the bulk import would pay
    100,000 times): the instance is the same, every other field at its default."""
    if not _DEFAULTS:
        _DEFAULTS.update((f.attname, f.get_default()) for f in Application._meta.concrete_fields)
    app = Application.__new__(Application)
    state = dict(_DEFAULTS)
    state.update(values)
    state["_state"] = ModelState()
    app.__dict__ = state
    return app


class RecordError(ValueError):
    """A record that cannot be imported; the message names the field and what is wrong."""


class DuplicateRecord(RecordError):
    """An application with this number exists already (re-running a file skips it)."""


@dataclass(slots=True)
class ImportEvent:
    at: dt.datetime
    type: str
    stage: str = ""
    reason: str = ""
    note: str = ""


@dataclass(frozen=True)
class ValidRecord:
    no: str
    customer_class: str
    county: County
    urban: bool
    capacity_kw: Decimal
    voltage_kv: Decimal
    applicant_ref: str
    address: str
    documents: list[str]
    events: list[ImportEvent]
    restart_of: Application | None = None
    applicant_name: str = ""
    phone: str = ""
    zero_investment: bool | None = None


def _str(record: dict[str, Any], key: str, *, max_length: int, required: bool = True) -> str:
    value = record.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise RecordError(f"{key}: must be a string")
    value = value.strip()
    if required and not value:
        raise RecordError(f"{key}: must not be empty")
    if len(value) > max_length:
        raise RecordError(f"{key}: longer than {max_length} characters")
    return value


def _decimal(record: dict[str, Any], key: str) -> Decimal:
    value = record.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise RecordError(f"{key}: must be a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise RecordError(f"{key}: {value!r} is not a number") from exc
    if not number.is_finite() or number <= 0:
        raise RecordError(f"{key}: must be greater than 0")
    return number


def _instant(value: Any, where: str) -> dt.datetime:
    if not isinstance(value, str):
        raise RecordError(f"{where}: must be an ISO 8601 timestamp string")
    try:
        at = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise RecordError(f"{where}: {value!r} is not an ISO 8601 timestamp") from exc
    if at.tzinfo is None or at.utcoffset() is None:
        raise RecordError(f"{where}: {value!r} has no UTC offset (write e.g. +08:00)")
    return at.astimezone(dt.UTC)  # the same instant; stored and hashed in UTC


def _check_events(raw: Any, *, steps: list[str], policy: Policy, now: dt.datetime) -> list[ImportEvent]:
    """The events in time order, each valid where it stands in the process."""
    if not isinstance(raw, list) or not raw:
        raise RecordError("events: must be a non-empty list")
    events: list[ImportEvent] = []
    done: list[str] = []
    paused = approving = closed = False
    previous: dt.datetime | None = None
    for i, item in enumerate(raw):
        where = f"events[{i}]"
        if not isinstance(item, dict):
            raise RecordError(f"{where}: must be an object")
        unknown = sorted(set(item) - EVENT_FIELDS)
        if unknown:
            raise RecordError(f"{where}: unknown field {unknown[0]!r}")
        at = _instant(item.get("at"), f"{where}.at")
        if at > now:
            raise RecordError(f"{where}.at: {item['at']} is in the future")
        if previous is not None and at < previous:
            raise RecordError(f"{where}.at: earlier than the event before it (events must be in time order)")
        previous = at
        kind = item.get("type")
        if kind not in INTERCHANGE_TYPES:
            allowed = ", ".join(sorted(str(t) for t in INTERCHANGE_TYPES))
            raise RecordError(f"{where}.type: {kind!r} is not one of {allowed}")
        stage = item.get("stage", "")
        reason = item.get("reason", "")
        note = item.get("note", "")
        if not isinstance(note, str) or len(note) > 2000:
            raise RecordError(f"{where}.note: must be a string of at most 2000 characters")
        if stage and kind != EventType.STAGE_COMPLETED:
            raise RecordError(f"{where}.stage: only a stage_completed event has a stage")
        if reason and kind != EventType.PAUSED:
            raise RecordError(f"{where}.reason: only a paused event has a reason")
        if i == 0 and kind != EventType.SUBMITTED:
            raise RecordError(f"{where}.type: the first event must be 'submitted', not {kind!r}")
        if i > 0 and kind == EventType.SUBMITTED:
            raise RecordError(f"{where}.type: 'submitted' may only come first")
        if closed:
            raise RecordError(f"{where}: nothing may follow energisation, withdrawal or cancellation")
        if kind == EventType.STAGE_COMPLETED:
            if stage not in steps:
                raise RecordError(f"{where}.stage: {stage!r} is not a step of this class ({', '.join(steps)})")
            expected = steps[len(done)]
            if stage != expected:
                raise RecordError(f"{where}.stage: {stage!r} completed before {expected!r}")
            if paused:
                raise RecordError(f"{where}: a stage cannot be completed while paused (resume first)")
            done.append(stage)
            closed = stage == steps[-1]
        elif kind == EventType.PAUSED:
            if reason not in policy.pause_reasons:
                allowed = ", ".join(policy.pause_reasons)
                raise RecordError(f"{where}.reason: {reason!r} is not a pause reason of the policy ({allowed})")
            if paused:
                raise RecordError(f"{where}: already paused")
            paused = True
        elif kind == EventType.RESUMED:
            if not paused:
                raise RecordError(f"{where}: resumed without a pause")
            paused = False
        elif kind == EventType.APPROVAL_STARTED:
            if approving:
                raise RecordError(f"{where}: an approval is already running")
            approving = True
        elif kind == EventType.APPROVAL_COMPLETED:
            if not approving:
                raise RecordError(f"{where}: approval_completed without approval_started")
            approving = False
        elif kind in (EventType.WITHDRAWN, EventType.CANCELLED):
            closed = True
        events.append(ImportEvent(at=at, type=str(kind), stage=stage, reason=reason, note=note))
    return events


def present(column: str, values: set[str], *, closed: bool = False) -> set[str]:
    """Which of `values` some application has in `column` ("no" or "applicant_ref"; `closed`:
    some withdrawn or cancelled application). One query in plain SQL: the ORM's handling of a
    2,000-value IN list costs more than the query."""
    if not values:
        return set()
    assert column in ("no", "applicant_ref")  # the columns are named as the fields
    qn = connection.ops.quote_name
    marks = ", ".join(["%s"] * len(values))
    sql = f"SELECT DISTINCT {qn(column)} FROM {qn(Application._meta.db_table)} WHERE {qn(column)} IN ({marks})"  # noqa: S608
    params: list[str] = list(values)
    if closed:
        sql += f" AND {qn('status')} IN (%s, %s)"
        params += [Status.WITHDRAWN.value, Status.CANCELLED.value]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


class Lookups:
    """What checking a record reads from the database, one query a question. The bulk import
    answers the same questions from what it fetched for a whole batch of lines."""

    def county(self, code: str) -> County | None:
        return County.objects.filter(pk=code).first()

    def application(self, no: str) -> Application | None:
        return Application.objects.filter(no=no).select_related("restart_of").first()

    def exists(self, no: str) -> bool:
        return Application.objects.filter(no=no).exists()

    def closed_before(self, applicant_ref: str) -> bool:
        """Whether this person has a withdrawn or cancelled application (a restart may follow)."""
        return Application.objects.filter(
            applicant_ref=applicant_ref, status__in=[Status.WITHDRAWN, Status.CANCELLED]
        ).exists()

    def restart_candidates(self, applicant_ref: str) -> list[Application]:
        """This person's withdrawn or cancelled applications not yet in the database."""
        return []

    def restart_known(self, applicant_ref: str) -> list[Application] | None:
        """This person's withdrawn or cancelled applications in the database, when already read
        (None: `find_restart_root` asks the database)."""
        return None


DATABASE = Lookups()


def validate_record(
    record: Any, *, policy: Policy | None = None, now: dt.datetime | None = None, lookups: Lookups = DATABASE
) -> ValidRecord:
    """Check one §5 record; raise RecordError naming the field, or DuplicateRecord."""
    policy = policy or active_policy()
    now = now or timezone.now()
    if not isinstance(record, dict):
        raise RecordError("the record must be a JSON object")
    for key in REQUIRED_FIELDS:
        if key not in record:
            raise RecordError(f"{key}: missing")
    unknown = sorted(set(record) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS))
    if unknown:
        raise RecordError(f"{unknown[0]}: unknown field")
    no = _str(record, "no", max_length=32)
    if not NUMBER.match(no):
        raise RecordError(f"no: {no!r} may hold only letters, digits, '-' and '_'")
    customer_class = record["customer_class"]
    if customer_class not in policy.classes:
        raise RecordError(f"customer_class: {customer_class!r} is not one of {', '.join(policy.classes)}")
    rule = policy.classes[customer_class]
    county_code = record["county"]
    if not isinstance(county_code, str) or county_code not in policy.counties:
        raise RecordError(f"county: {county_code!r} is not a county of the policy")
    county = lookups.county(county_code)
    if county is None:
        raise RecordError(f"county: {county_code!r} is not in the database")
    urban = record["urban"]
    if not isinstance(urban, bool):
        raise RecordError("urban: must be true or false")
    capacity_kw = _decimal(record, "capacity_kw")
    if capacity_kw.as_tuple().exponent < -1:  # type: ignore[operator]
        raise RecordError("capacity_kw: at most one decimal place")
    if capacity_kw >= Decimal("1e9"):
        raise RecordError("capacity_kw: too large")
    voltage_kv = _decimal(record, "voltage_kv")
    allowed_voltages = services.LOW_VOLTAGES if rule.voltage == "low" else services.HIGH_VOLTAGES
    if voltage_kv not in allowed_voltages:
        shown = ", ".join(f"{v:g}" for v in sorted(allowed_voltages))
        raise RecordError(f"voltage_kv: {voltage_kv:g} kV is not a voltage of {customer_class} ({shown})")
    applicant_ref = _str(record, "applicant_id", max_length=80).lower()
    if not KEYED_REF.match(applicant_ref):
        raise RecordError(
            "applicant_id: must be the HMAC-SHA-256 of the identity number under the shared key, as 64 hex digits"
            " (never the number itself)"
        )
    address = _str(record, "address", max_length=200)
    documents = record["documents"]
    if not isinstance(documents, list) or not all(isinstance(d, str) for d in documents):
        raise RecordError("documents: must be a list of document codes")
    for doc in documents:
        if doc not in rule.documents:
            raise RecordError(
                f"documents: {doc!r} is not a document of {customer_class} (only {', '.join(rule.documents)})"
            )
    if len(set(documents)) != len(documents):
        raise RecordError("documents: a document is listed twice")
    events = _check_events(record["events"], steps=list(rule.steps), policy=policy, now=now)
    submitted_on = events[0].at.astimezone(SHANGHAI).date()
    try:
        policy.limit_for(customer_class, submitted_on)
    except PolicyGap as exc:
        raise RecordError(f"events[0].at: {exc}") from exc

    restart_of: Application | None = None
    restart_no = record.get("restart_of")
    if restart_no is not None:
        if not isinstance(restart_no, str) or not restart_no.strip():
            raise RecordError("restart_of: must be an application number or null")
        restart_of = lookups.application(restart_no.strip())
        if restart_of is None:
            raise RecordError(f"restart_of: no application {restart_no!r} (import it first)")
        if restart_of.no == no:
            raise RecordError("restart_of: an application cannot restart itself")
    zero = record.get("zero_investment")
    if zero is not None and not isinstance(zero, bool):
        raise RecordError("zero_investment: must be true, false or absent")
    phone = _str(record, "phone", max_length=20, required=False)
    if phone and not PHONE.match(phone):
        raise RecordError("phone: digits only")
    if lookups.exists(no):
        raise DuplicateRecord(f"no: application {no} exists already")
    return ValidRecord(
        no=no,
        customer_class=customer_class,
        county=county,
        urban=urban,
        capacity_kw=capacity_kw,
        voltage_kv=voltage_kv,
        applicant_ref=applicant_ref,
        address=address,
        documents=list(documents),
        events=events,
        restart_of=restart_of,
        applicant_name=_str(record, "applicant_name", max_length=100, required=False),
        phone=phone,
        zero_investment=zero,
    )


def class_warning(policy: Policy, valid: ValidRecord) -> str | None:
    """The warning for a record whose class contradicts the policy's zero-investment rules
    (`services.class_check`), or None. The record is kept with the utility's class."""
    day = valid.events[0].at.astimezone(SHANGHAI).date()
    check = services.class_check(
        policy,
        customer_class=valid.customer_class,
        day=day,
        county=valid.county.adcode,
        urban=valid.urban,
        capacity_kw=float(valid.capacity_kw),
    )
    if check is None:
        return None
    expected = check.removeprefix("expected ")
    return (
        f"customer_class: {valid.customer_class}, but the policy's zero-investment rules make it {expected} "
        f"on {day.isoformat()}; kept as {valid.customer_class} ({check})"
    )


def plan_record(
    valid: ValidRecord,
    *,
    policy: Policy,
    warnings: list[str] | None = None,
    lookups: Lookups = DATABASE,
) -> services.History:
    """The new application and its timeline for a checked record (nothing is written).

    The utility's class is kept as recorded, with the zero-investment flag it implies; when the
    policy's zero-investment rules decide otherwise (`class_warning`), the text is appended to
    `warnings` (the record is imported all the same, and the compliance report marks it).

    The application is marked imported, through the import channel; its events have no actor
    (they happened elsewhere). A restart the record does not declare is looked for in the
    database (`find_restart_root`).
    """
    submitted = valid.events[0]
    day = submitted.at.astimezone(SHANGHAI).date()
    _cls, zero, rule_text = services.decide_eligibility(
        policy,
        customer_class=valid.customer_class,
        day=day,
        county=valid.county.adcode,
        urban=valid.urban,
        capacity_kw=float(valid.capacity_kw),
    )
    if valid.customer_class in (CustomerClass.LV_SANLING, CustomerClass.LV_GENERAL):
        # The utility's class stands, and with it its zero investment, even where the rules
        # disagree: the disagreement is shown (class_warning, the compliance report), not hidden.
        zero = valid.customer_class == CustomerClass.LV_SANLING
    if valid.zero_investment is not None:
        zero = valid.zero_investment
        rule_text = rule_text or ""
    warning = class_warning(policy, valid)
    if warning is not None and warnings is not None:
        warnings.append(warning)
    root = None
    if valid.restart_of is not None:
        root = valid.restart_of.restart_of or valid.restart_of

    app = new_application(
        no=valid.no,
        applicant_ref=valid.applicant_ref,
        applicant_name=valid.applicant_name,
        phone=valid.phone,
        customer_class=valid.customer_class,
        county_id=valid.county.pk,
        urban=valid.urban,
        address=valid.address,
        capacity_kw=valid.capacity_kw,
        voltage_kv=valid.voltage_kv,
        channel=Channel.IMPORT,
        imported=True,
        policy_name=policy.policy.name,
        zero_investment=zero,
        eligibility_rule=rule_text,
        clock_started_at=(root.clock_started_at or root.submitted_at) if root is not None else None,
    )
    if root is not None:
        app.restart_of = root
    detected = False
    if root is None and lookups.closed_before(app.applicant_ref):
        # A record that does not say it restarts an application may still be one (requirements
        # §4): the same person at the same address within the window after a withdrawal.
        root = services.find_restart_root(
            app,
            policy=policy,
            at=submitted.at,
            also=lookups.restart_candidates(app.applicant_ref),
            known=lookups.restart_known(app.applicant_ref),
        )
        if root is not None:
            detected = True
            app.restart_of = root
            app.clock_started_at = root.clock_started_at or root.submitted_at
    restart_no = valid.restart_of.no if valid.restart_of is not None else (root.no if root is not None else None)
    events: list[services.HistoryEvent] = []
    for i, ev in enumerate(valid.events):
        data: dict[str, Any] = {}
        if i == 0:
            data = {
                "customer_class": valid.customer_class,
                "zero_investment": zero,
                "rule": rule_text,
                "restart_of": restart_no,
                "documents": valid.documents,
                "channel": str(Channel.IMPORT),
                "imported": True,
            }
            if detected:
                data["restart_detected"] = True
        events.append(
            services.HistoryEvent(
                type=ev.type,
                at=ev.at,
                stage=ev.stage,
                reason=ev.reason,
                note=ev.note,
                data=data,
            )
        )
    return services.History(application=app, events=events)


def ingest_record(
    record: dict[str, Any],
    *,
    warnings: list[str] | None = None,
    at: dt.datetime | None = None,
) -> Application:
    """Validate one §5 record and create its application with a hash-chained timeline, one
    event at a time (`services.import_history`). `at` is the receipt time (default: now).
    A class the zero-investment rules contradict is appended to `warnings` (see `plan_record`).
    Raises RecordError (DuplicateRecord when the number exists).
    """
    policy = active_policy()
    valid = validate_record(record, policy=policy)
    history = plan_record(valid, policy=policy, warnings=warnings)
    try:
        return services.import_history(history, at=at)
    except IntegrityError as exc:
        if Application.objects.filter(no=valid.no).exists():
            raise DuplicateRecord(f"no: application {valid.no} exists already") from exc
        raise
    except CalendarYearMissing as exc:
        raise RecordError(f"events: {exc}") from exc


# Many records at once: the same checks, batched reads and writes.


@dataclass
class LineProblem:
    line: int
    reason: str


class _BatchLookups(Lookups):
    """The database's answers for one batch of lines, fetched in a few queries, plus what this
    run has planned already (pending or written)."""

    def __init__(self, counties: dict[str, County], run: BulkImport) -> None:
        self.counties = counties
        self.run = run
        self.existing: set[str] = set()
        self.targets: dict[str, Application] = {}
        # This batch's people's withdrawn or cancelled applications in the database, by
        # applicant_ref, plus those this run wrote since they were read.
        self.closed: dict[str, list[Application]] = {}

    def prefetch(self, records: list[Any]) -> None:
        nos = {r["no"].strip() for r in records if isinstance(r, dict) and isinstance(r.get("no"), str)}
        refs = {
            r["restart_of"].strip() for r in records if isinstance(r, dict) and isinstance(r.get("restart_of"), str)
        }
        people = {
            r["applicant_id"].strip().lower()
            for r in records
            if isinstance(r, dict) and isinstance(r.get("applicant_id"), str)
        }
        self.existing = present("no", nos)
        self.targets = (
            {a.no: a for a in Application.objects.filter(no__in=refs).select_related("restart_of")} if refs else {}
        )
        self.closed = {}
        people = present("applicant_ref", people, closed=True)  # the few who have a closed application
        if people:
            for app in (
                Application.objects.filter(applicant_ref__in=people, status__in=[Status.WITHDRAWN, Status.CANCELLED])
                .select_related("restart_of")
                .order_by("pk")
            ):
                self.closed.setdefault(app.applicant_ref, []).append(app)

    def written(self, app: Application) -> None:
        """An application of this run was written after the batch's answers were read."""
        if app.status in (Status.WITHDRAWN, Status.CANCELLED):
            self.closed.setdefault(app.applicant_ref, []).append(app)

    def county(self, code: str) -> County | None:
        return self.counties.get(code)

    def application(self, no: str) -> Application | None:
        pending = self.run.pending_nos.get(no)
        if pending is not None:
            return pending  # in this batch, not yet written: it gets its id with the batch
        if no in self.run.written_nos or no not in self.targets:
            return super().application(no)
        return self.targets[no]

    def exists(self, no: str) -> bool:
        return no in self.existing or no in self.run.pending_nos or no in self.run.written_nos

    def closed_before(self, applicant_ref: str) -> bool:
        return (
            applicant_ref in self.closed
            or applicant_ref in self.run.closed_in_run
            or applicant_ref in self.run.pending_closed
        )

    def restart_candidates(self, applicant_ref: str) -> list[Application]:
        return self.run.pending_closed.get(applicant_ref, [])

    def restart_known(self, applicant_ref: str) -> list[Application] | None:
        return self.closed.get(applicant_ref, [])


def parse_line(raw: bytes) -> tuple[Any, str | None]:
    """The record on one line of a file, or (None, why the line holds none)."""
    try:
        return json.loads(raw.decode("utf-8")), None
    except UnicodeDecodeError:
        return None, "not UTF-8 text"
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON: {exc.msg} (column {exc.colno})"


# What checking one record gave: ("ok", history, warnings), ("bad", reason), ("skip", reason)
# for a number that exists, or ("here",) from a worker for a record only the importing process
# can check (it names the application it restarts).
Outcome = tuple[Any, ...]


class _NeedsContext(Exception):
    """A worker cannot answer this question: the record is checked by the importing process."""


def check_record(record: Any, *, policy: Policy, now: dt.datetime, lookups: Lookups) -> Outcome:
    """Validate, plan and derive one record (nothing is written)."""
    warnings: list[str] = []
    try:
        valid = validate_record(record, policy=policy, now=now, lookups=lookups)
        history = plan_record(valid, policy=policy, lookups=lookups, warnings=warnings)
        services.derive_history(history, now=now, policy=policy)
    except _NeedsContext:
        return ("here",)
    except (CalendarYearMissing, PolicyGap) as exc:
        return ("bad", f"events: {exc}")
    except DuplicateRecord as exc:
        return ("skip", str(exc))
    except RecordError as exc:
        return ("bad", str(exc))
    except Exception as exc:  # one broken record must not stop the others
        return ("bad", f"could not be imported ({type(exc).__name__}: {exc})")
    return ("ok", history, warnings)


class _ContextFree(Lookups):
    """A worker's answers: the counties, and the numbers of its chunk already in the database
    (read once per chunk; a number found there is a duplicate whatever the importing process
    writes meanwhile). Whether a number exists and whether the person has a closed application
    are asked again by the importing process, in order, for every record the worker passes; a
    record naming the application it restarts goes back to that process."""

    def __init__(self, counties: dict[str, County]) -> None:
        self.counties = counties
        self.existing: set[str] = set()

    def prefetch(self, records: list[Any]) -> None:
        nos = {r["no"].strip() for r in records if isinstance(r, dict) and isinstance(r.get("no"), str)}
        try:
            self.existing = present("no", nos)
        except DatabaseError:  # a database only the parent sees (the tests' in-memory SQLite)
            self.existing = set()

    def county(self, code: str) -> County | None:
        return self.counties.get(code)

    def application(self, no: str) -> Application | None:
        raise _NeedsContext(no)

    def exists(self, no: str) -> bool:
        return no in self.existing

    def closed_before(self, applicant_ref: str) -> bool:
        return False


_WORKER: dict[str, Any] = {}
_INHERITED: list[Any] = []


def _start_worker(now: dt.datetime, counties: dict[str, County]) -> None:
    """In a forked worker: leave the parent's database connections alone (kept, never used or
    closed, so the parent's session is untouched); a query here opens the worker's own."""
    from django.db import connections

    for alias in list(connections):
        _INHERITED.append(connections[alias])
        del connections[alias]
    multiprocessing.util.Finalize(None, connections.close_all, exitpriority=10)  # the worker's own
    _WORKER.update(now=now, policy=active_policy(), lookups=_ContextFree(counties))


def _check_chunk(chunk: list[tuple[int, bytes]]) -> list[tuple[int, Outcome]]:
    """A worker's part: parse, validate, plan and derive a chunk of lines."""
    policy, now, lookups = _WORKER["policy"], _WORKER["now"], _WORKER["lookups"]
    parsed = [(number, *parse_line(raw)) for number, raw in chunk]
    lookups.prefetch([record for _n, record, problem in parsed if problem is None])
    out: list[tuple[int, Outcome]] = []
    for number, record, problem in parsed:
        if problem is not None:
            out.append((number, ("bad", problem)))
            continue
        outcome = check_record(record, policy=policy, now=now, lookups=lookups)
        if outcome[0] == "ok":
            history = outcome[1]
            services.prepare_history(history)  # the content and stored values, ready to chain
            outcome = ("ok", _pack(history), outcome[2])
        out.append((number, outcome))
    return out


# A worker's history travels as plain tuples (a third of the cost of pickling the objects).
_EVENT_FIELDS = ("type", "at", "stage", "reason", "note", "actor", "data", "prepared")


def _pack(history: services.History) -> tuple[Any, ...]:
    values = history.application.__dict__
    events = [tuple(getattr(ev, name) for name in _EVENT_FIELDS) for ev in history.events]
    return tuple(values[name] for name in _attnames()), events


def _unpack(packed: tuple[Any, ...]) -> services.History:
    values, events = packed
    app = new_application(**dict(zip(_attnames(), values, strict=True)))
    return services.History(
        application=app,
        events=[services.HistoryEvent(*ev) for ev in events],
        derived=True,
    )


def _attnames() -> tuple[str, ...]:
    if not _ATTNAMES:
        _ATTNAMES.extend(f.attname for f in Application._meta.concrete_fields)
    return tuple(_ATTNAMES)


_ATTNAMES: list[str] = []


CHUNK_LINES = 250  # lines a worker checks at a time
CHUNKS_AHEAD = 4  # per worker: chunks handed out before the first of them is taken back


class BulkImport:
    """Import §5 records line by line, writing them in batches through `services.import_histories`.

    Every record is checked by the same `validate_record` and planned by the same `plan_record`
    as `ingest_record`, its state derived at once (`services.derive_history`); a record that
    restarts one of the same batch, declared or detected, finds it among the batch's applications,
    so the result is what importing the lines one by one gives (a test compares them). Feed it
    `(line number, parsed record)` (`add`) or the file's lines as read (`add_line`) and call
    `finish()`; `problems` lists the bad lines.

    With `workers` (only for `add_line`), forked worker processes parse, validate, plan and derive
    the lines in chunks while this process writes, asking no database (`_ContextFree`). This
    process takes their results back in line order and asks the questions that depend on what
    came before — whether the number exists, whether the person has a closed application (a
    restart to look for) — and checks again here, in order, every record for which the answer
    matters (a declared or possible restart), so the result is the same as without workers.
    """

    def __init__(
        self, *, batch_size: int = 2000, at: dt.datetime | None = None, workers: int = 0, chunk: int = CHUNK_LINES
    ) -> None:
        self.policy = active_policy()
        self.now = timezone.now()
        self.at = at
        self.batch_size = batch_size
        self.lookups = _BatchLookups({c.adcode: c for c in County.objects.all()}, self)
        self.lines: list[tuple[int, Any]] = []
        self.pending: list[tuple[int, services.History]] = []
        self.pending_nos: dict[str, Application] = {}
        self.pending_closed: dict[str, list[Application]] = {}
        self.written_nos: set[str] = set()
        self.closed_in_run: set[str] = set()
        self.imported = 0
        self.skipped = 0
        self.problems: list[LineProblem] = []
        self.skipped_lines: list[LineProblem] = []
        self.warnings: list[LineProblem] = []  # of lines imported (or about to be), kept all the same
        self.workers = workers
        self.chunk_lines = chunk
        self._pool: Any = None
        self._chunk: list[tuple[int, bytes]] = []
        self._inflight: deque[tuple[list[tuple[int, bytes]], Any]] = deque()
        self._checked: list[tuple[int, Outcome, bytes]] = []

    def add(self, line: int, record: Any) -> None:
        """One parsed line."""
        self.lines.append((line, record))
        if len(self.lines) >= self.batch_size:
            self._check_lines()

    def add_line(self, line: int, raw: bytes) -> None:
        """One line of a file as read (bytes, UTF-8 JSON); blank lines are ignored."""
        if not raw.strip():
            return
        if not self.workers:
            record, problem = parse_line(raw)
            if problem is not None:
                self.bad(line, problem)
            else:
                self.add(line, record)
            return
        self._chunk.append((line, raw))
        if len(self._chunk) >= self.chunk_lines:
            self._hand_out()

    def bad(self, line: int, reason: str) -> None:
        self.problems.append(LineProblem(line, reason))

    def finish(self) -> None:
        try:
            self._hand_out()
            while self._inflight:
                self._take_back()
            self._check_taken()
        finally:
            self.close()
        self._check_lines()
        self.flush()
        self.problems.sort(key=lambda p: p.line)
        refused = {p.line for p in self.problems}
        self.warnings = [w for w in self.warnings if w.line not in refused]

    def close(self) -> None:
        """Stop the workers (finish does; call it when giving up half way)."""
        if self._pool is not None:
            if self._inflight:
                self._pool.terminate()  # giving up: their work is not wanted
            else:
                self._pool.close()  # done: each closes its own connection, if it opened one
            self._pool.join()
            self._pool = None
            self._inflight.clear()

    # With workers.

    def _hand_out(self) -> None:
        if self._chunk:
            if self._pool is None:
                get_calendar()  # read here, before the fork: the workers inherit it
                context = multiprocessing.get_context("fork")
                self._pool = context.Pool(
                    self.workers, initializer=_start_worker, initargs=(self.now, self.lookups.counties)
                )
            self._inflight.append((self._chunk, self._pool.apply_async(_check_chunk, (self._chunk,))))
            self._chunk = []
        while len(self._inflight) > CHUNKS_AHEAD * self.workers:
            self._take_back()

    def _take_back(self) -> None:
        chunk, result = self._inflight.popleft()
        for (number, raw), (checked, outcome) in zip(chunk, result.get(), strict=True):
            assert number == checked
            if outcome[0] == "ok":
                outcome = ("ok", _unpack(outcome[1]), outcome[2])
            self._checked.append((number, outcome, raw))
        if len(self._checked) >= self.batch_size:
            self._check_taken()

    def _check_taken(self) -> None:
        """The workers' results for a batch of lines, in order, as `_check_lines` checks lines."""
        items, self._checked = self._checked, []
        records: dict[int, Any] = {}
        keys: list[Any] = []
        for number, outcome, raw in items:
            if outcome[0] == "ok":
                app = outcome[1].application
                keys.append({"no": app.no, "applicant_id": app.applicant_ref})
            elif outcome[0] == "here":
                records[number] = parse_line(raw)[0]
                keys.append(records[number])
        self.lookups.prefetch(keys)
        for number, outcome, raw in items:
            kind = outcome[0]
            if kind == "bad":
                self.bad(number, outcome[1])
                continue
            if kind == "skip":
                self._skip(number, outcome[1])
                continue
            if kind == "ok":
                history, warnings = outcome[1], outcome[2]
                app = history.application
                if self.lookups.exists(app.no):
                    self._skip(number, f"no: application {app.no} exists already")
                    continue
                if not self.lookups.closed_before(app.applicant_ref):
                    self._accept(number, history, warnings)
                    continue
            # A restart, declared or possible: checked here, where the earlier records are known.
            record = records[number] if number in records else parse_line(raw)[0]
            self._check_one(number, record)

    # Checking here.

    def _check_lines(self) -> None:
        lines, self.lines = self.lines, []
        self.lookups.prefetch([record for _n, record in lines])
        for number, record in lines:
            self._check_one(number, record)

    def _check_one(self, number: int, record: Any) -> None:
        outcome = check_record(record, policy=self.policy, now=self.now, lookups=self.lookups)
        if outcome[0] == "ok":
            self._accept(number, outcome[1], outcome[2])
        elif outcome[0] == "skip":
            self._skip(number, outcome[1])
        else:
            self.bad(number, outcome[1])

    def _skip(self, number: int, reason: str) -> None:
        self.skipped += 1
        self.skipped_lines.append(LineProblem(number, reason))

    def _accept(self, number: int, history: services.History, warnings: list[str]) -> None:
        app = history.application
        self.warnings.extend(LineProblem(number, warning) for warning in warnings)
        self.pending.append((number, history))
        self.pending_nos[app.no] = app
        if app.status in (Status.WITHDRAWN, Status.CANCELLED):
            self.pending_closed.setdefault(app.applicant_ref, []).append(app)
        if len(self.pending) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        pending = self.pending
        while pending:
            try:
                services.import_histories([h for _n, h in pending], at=self.at)
            except services.HistoryRefused as exc:
                number, _h = pending.pop(exc.index)
                self.bad(number, f"events: {exc}")
                continue
            except IntegrityError:
                # Another process wrote one of these numbers meanwhile: one by one, to name it.
                self._one_by_one(pending)
            else:
                self.imported += len(pending)
            break
        for _n, history in pending:
            self.written_nos.add(history.application.no)
            self.lookups.written(history.application)
            if history.application.status in (Status.WITHDRAWN, Status.CANCELLED):
                self.closed_in_run.add(history.application.applicant_ref)
        self.pending = []
        self.pending_nos = {}
        self.pending_closed = {}

    def _one_by_one(self, pending: list[tuple[int, services.History]]) -> None:
        kept = []
        for number, history in pending:
            app = history.application  # written and rolled back: start it afresh
            app.pk = None
            app._state.adding = True
            app.event_count, app.head_hash = 0, ""
            if RESTART_OF.is_cached(app) and app.restart_of is not None:
                app.restart_of_id = app.restart_of.pk  # a root of this batch was written again just now
            try:
                services.import_history(history, at=self.at)
            except IntegrityError:
                self.skipped += 1
                self.skipped_lines.append(
                    LineProblem(number, f"no: application {history.application.no} exists already")
                )
            except (CalendarYearMissing, PolicyGap) as exc:
                self.bad(number, f"events: {exc}")
            else:
                self.imported += 1
                kept.append((number, history))
        pending[:] = kept
