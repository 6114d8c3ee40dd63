"""Loading the grid from CSV files (docs/grid.md gives the columns of each, with examples).

Every row is validated; a bad one is reported as `line N, field F: reason` and left out, the
good ones are written. Rows are upserted by their code, so loading the same file again adds
nothing. Load order: substations, feeders, transformers, MV users, LV customers (a row may refer
to rows loaded earlier in the same run).

Each row created or changed gets its change recorded (old → new, field by field), bulk-created with
the rows; each file gets one summary row with its counts (bandian.grid.history). A row loaded again
unchanged records nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bandian.accounts.models import County, User
from bandian.grid import history
from bandian.grid.enums import ChangeAction, DensityClass, MVUserKind, Ownership
from bandian.grid.models import Feeder, LVCustomer, MVUser, Substation, Transformer
from bandian.grid.validation import mv_user_problems
from bandian.policy.areas import AREA_CLASSES

BATCH = 2000


class RowError(Exception):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


@dataclass
class LoadReport:
    """What one file did: rows created and updated, and each bad row as `line N, field F: reason`."""

    name: str
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)

    def error(self, line: int, column: str, reason: str) -> None:
        self.errors.append(f"line {line}, field {column}: {reason}")

    @property
    def loaded(self) -> int:
        return self.created + self.updated


def decode(data: bytes) -> str:
    """The text of a CSV file (UTF-8, with or without BOM); bytes that are not UTF-8 become U+FFFD
    and their rows are reported by `csv_rows`."""
    return data.decode("utf-8-sig", errors="replace")


def csv_rows(text: str, columns: Iterable[str], report: LoadReport) -> Iterable[tuple[int, dict[str, str]]]:
    """(line number, row) for each data row; a missing required column is reported against line 1."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [c for c in columns if c not in header]
    for column in missing:
        report.error(1, column, _("missing column"))
    if missing:
        return
    line = reader.line_num
    for row in reader:
        first_line = line + 1
        line = reader.line_num
        if None in row:
            report.error(first_line, "-", _("more values than columns"))
            continue
        values = {k: (v or "").strip() for k, v in row.items()}
        if not any(values.values()):
            continue
        garbled = [k for k, v in values.items() if "\ufffd" in v]
        if garbled:
            report.error(first_line, garbled[0], _("not UTF-8 text"))
            continue
        yield first_line, values


# Field parsers: each returns the value or raises RowError.


def required(row: dict[str, str], column: str, max_length: int = 100) -> str:
    value = row.get(column, "")
    if not value:
        raise RowError(column, _("required"))
    if len(value) > max_length:
        raise RowError(column, _("longer than %(n)d characters") % {"n": max_length})
    return value


def optional(row: dict[str, str], column: str, max_length: int = 100) -> str:
    value = row.get(column, "")
    if len(value) > max_length:
        raise RowError(column, _("longer than %(n)d characters") % {"n": max_length})
    return value


def choice(
    row: dict[str, str], column: str, choices: type[models.TextChoices] | Sequence[str], *, blank: bool = False
) -> str:
    values = list(choices.values) if isinstance(choices, type) else list(choices)
    value = row.get(column, "")
    if not value and blank:
        return ""
    if value not in values:
        raise RowError(
            column, _("%(value)r is not one of %(choices)s") % {"value": value, "choices": ", ".join(values)}
        )
    return value


def positive_int(row: dict[str, str], column: str, *, blank: bool = False) -> int | None:
    value = row.get(column, "")
    if not value and blank:
        return None
    try:
        number = int(value)
    except ValueError:
        raise RowError(column, _("%(value)r is not a whole number") % {"value": value}) from None
    if number <= 0 or number > 2_000_000_000:
        raise RowError(column, _("must be a positive number"))
    return number


def iso_date(row: dict[str, str], column: str) -> dt.date | None:
    value = row.get(column, "")
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise RowError(column, _("%(value)r is not a date (YYYY-MM-DD)") % {"value": value}) from None


class Lookup:
    """Known codes → primary keys, refreshed between files of one run."""

    def __init__(self, model: type[models.Model], key: str) -> None:
        self.model = model
        self.key = key
        self.refresh()

    def refresh(self) -> None:
        self.ids: dict[str, Any] = dict(self.model._default_manager.values_list(self.key, "pk"))  # type: ignore[arg-type]

    def get(self, row: dict[str, str], column: str, *, blank: bool = False) -> Any:
        value = row.get(column, "")
        if not value and blank:
            return None
        if not value:
            raise RowError(column, _("required"))
        if value not in self.ids:
            raise RowError(
                column, _("no such %(what)s: %(code)s") % {"what": self.model._meta.verbose_name, "code": value}
            )
        return self.ids[value]


class GridLoader:
    """Loads any subset of the five files in order; `counties` limits the counties written (None: all)."""

    def __init__(
        self, *, counties: set[str] | None = None, actor: User | None = None, at: dt.datetime | None = None
    ) -> None:
        self.counties = counties
        self.actor = actor
        self.at = at or timezone.now()
        self.known_counties = set(County.objects.values_list("adcode", flat=True))
        self.substations = Lookup(Substation, "code")
        self.feeders = Lookup(Feeder, "code")
        self.transformers = Lookup(Transformer, "code")

    def county(self, row: dict[str, str]) -> str:
        value = required(row, "county", 6)
        if value not in self.known_counties:
            raise RowError("county", _("no such county: %(code)s") % {"code": value})
        if self.counties is not None and value not in self.counties:
            raise RowError("county", _("you may not edit the grid of county %(code)s") % {"code": value})
        return value

    # One builder per file: a row → the model's field values.

    def substation(self, row: dict[str, str]) -> dict[str, Any]:
        return {
            "code": required(row, "code", 40),
            "name": required(row, "name"),
            "county_id": self.county(row),
            "voltage_kv": positive_int(row, "voltage_kv"),
            "rated_capacity_kva": positive_int(row, "rated_capacity_kva", blank=True),
            "peak_load_kva": positive_int(row, "peak_load_kva", blank=True),
        }

    def feeder(self, row: dict[str, str]) -> dict[str, Any]:
        return {
            "code": required(row, "code", 40),
            "name": required(row, "name"),
            "substation_id": self.substations.get(row, "substation"),
            "county_id": self.county(row),
            "area_class": choice(row, "area_class", AREA_CLASSES),
            "density_class": choice(row, "density_class", DensityClass, blank=True),
            "rated_capacity_kva": positive_int(row, "rated_capacity_kva"),
            "peak_load_kva": positive_int(row, "peak_load_kva", blank=True),
        }

    def transformer(self, row: dict[str, str]) -> dict[str, Any]:
        return {
            "code": required(row, "code", 40),
            "name": required(row, "name"),
            "feeder_id": self.feeders.get(row, "feeder"),
            "ownership": choice(row, "ownership", Ownership),
            "capacity_kva": positive_int(row, "capacity_kva"),
            "county_id": self.county(row),
            "area_class": choice(row, "area_class", AREA_CLASSES),
        }

    def mv_user(self, row: dict[str, str]) -> dict[str, Any]:
        values = {
            "user_id": required(row, "user_id", 40),
            "kind": choice(row, "kind", MVUserKind),
            "name": optional(row, "name"),
            "feeder_id": self.feeders.get(row, "feeder"),
            "transformer_id": self.transformers.get(row, "transformer", blank=True),
            "county_id": self.county(row),
            "area_class": choice(row, "area_class", AREA_CLASSES),
            "in_service_from": iso_date(row, "in_service_from"),
            "in_service_to": iso_date(row, "in_service_to"),
            "contact_name": optional(row, "contact_name"),
            "contact_phone": optional(row, "contact_phone", 20),
        }
        for column, reason in mv_user_problems(
            kind=values["kind"],
            feeder_id=values["feeder_id"],
            transformer=self._transformer_facts(values["transformer_id"]),
            in_service_from=values["in_service_from"],
            in_service_to=values["in_service_to"],
        ).items():
            raise RowError(column, reason)
        return values

    def lv_customer(self, row: dict[str, str]) -> dict[str, Any]:
        return {
            "account_no": required(row, "account_no", 40),
            "name": required(row, "name"),
            "transformer_id": self.transformers.get(row, "transformer"),
            "county_id": self.county(row),
            "phone": optional(row, "phone", 20),
        }

    def _transformer_facts(self, pk: int | None) -> tuple[int, str] | None:
        """(feeder id, ownership) of a transformer, cached for the run."""
        if pk is None:
            return None
        if not hasattr(self, "_facts"):
            self._facts: dict[int, tuple[int, str]] = {
                t: (f, o) for t, f, o in Transformer.objects.values_list("pk", "feeder_id", "ownership")
            }
        return self._facts.get(pk)

    SPECS: dict[str, tuple[type[models.Model], str, list[str], str]] = {
        "substations": (Substation, "code", ["code", "name", "county", "voltage_kv"], "substation"),
        "feeders": (
            Feeder,
            "code",
            ["code", "name", "substation", "county", "area_class", "rated_capacity_kva"],
            "feeder",
        ),
        "transformers": (
            Transformer,
            "code",
            ["code", "name", "feeder", "ownership", "capacity_kva", "county", "area_class"],
            "transformer",
        ),
        "mv_users": (MVUser, "user_id", ["user_id", "kind", "feeder", "county", "area_class"], "mv_user"),
        "lv_customers": (LVCustomer, "account_no", ["account_no", "name", "transformer", "county"], "lv_customer"),
    }
    ORDER = ["substations", "feeders", "transformers", "mv_users", "lv_customers"]

    def load(self, files: dict[str, bytes]) -> list[LoadReport]:
        """Load the files given ({kind: content}), in dependency order; one report each.
        Reports are in English, like every `line N, field F: reason` of the interchange formats."""
        with translation.override("en"):
            return self._load(files)

    def _load(self, files: dict[str, bytes]) -> list[LoadReport]:
        reports = []
        for name in self.ORDER:
            if name in files:
                reports.append(self._load_one(name, files[name]))
                self.substations.refresh()
                self.feeders.refresh()
                self.transformers.refresh()
                self.__dict__.pop("_facts", None)
        return reports

    def load_one(self, name: str, data: bytes) -> LoadReport:
        with translation.override("en"):
            return self._load_one(name, data)

    def _load_one(self, name: str, data: bytes) -> LoadReport:
        model, key, columns, builder = self.SPECS[name]
        report = LoadReport(name)
        text = decode(data)
        build = getattr(self, builder)
        attnames = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
        before: dict[str, dict[str, Any]] = {
            row[key]: row
            for row in model._default_manager.values("pk", *attnames)  # type: ignore[misc]
        }
        seen: dict[str, int] = {}
        good: list[dict[str, Any]] = []
        for line, row in csv_rows(text, columns, report):
            try:
                values = build(row)
                code = values[key]
                if code in seen:
                    raise RowError(
                        key, _("%(code)s already given on line %(line)d") % {"code": code, "line": seen[code]}
                    )
                owner = before[code]["county_id"] if code in before else None
                if owner is not None and self.counties is not None and owner not in self.counties:
                    raise RowError(key, _("%(code)s belongs to county %(county)s") % {"code": code, "county": owner})
            except RowError as exc:
                report.error(line, exc.column, exc.reason)
                continue
            seen[code] = line
            good.append(values)
        report.updated = sum(1 for v in good if v[key] in before)
        report.created = len(good) - report.updated
        update_fields = [f for f in good[0] if f != key] if good else []
        with transaction.atomic():
            for i in range(0, len(good), BATCH):
                model._default_manager.bulk_create(
                    [model(**values) for values in good[i : i + BATCH]],
                    update_conflicts=True,
                    unique_fields=[key],
                    update_fields=update_fields,
                )
            self._record(model, key, good, before, report)
        return report

    def _record(
        self,
        model: type[models.Model],
        key: str,
        good: list[dict[str, Any]],
        before: dict[str, dict[str, Any]],
        report: LoadReport,
    ) -> None:
        """Record the rows this file created or changed (field by field), and the file's counts."""
        names = {"substation_id": self.substations, "feeder_id": self.feeders, "transformer_id": self.transformers}
        codes = {attname: {pk: code for code, pk in lookup.ids.items()} for attname, lookup in names.items()}
        field_names = {f.attname: f.name for f in model._meta.concrete_fields}

        def shown(values: dict[str, Any]) -> dict[str, Any]:
            out = {}
            for attname, value in values.items():
                if attname in codes and value is not None:
                    value = codes[attname].get(value, value)
                out[field_names[attname]] = history.shown(value)
            return out

        logged: list[tuple[str, str, list[history.Triple]]] = []
        for values in good:
            old = before.get(values[key])
            if old is None:
                logged.append((values[key], ChangeAction.LOAD, history.diff(None, shown(values))))
            elif any(old[a] != v for a, v in values.items()):
                changes = history.diff(shown({a: old[a] for a in values}), shown(values))
                if changes:
                    logged.append((values[key], ChangeAction.LOAD, changes))
        pks = {code: row["pk"] for code, row in before.items()}
        new_codes = [code for code, _action, _changes in logged if code not in pks]
        for i in range(0, len(new_codes), 500):
            pks.update(
                model._default_manager.filter(**{f"{key}__in": new_codes[i : i + 500]}).values_list(key, "pk")  # type: ignore[misc]
            )
        label = {v[key]: f"{v[key]} {v.get('name', '')}".strip() for v in good}
        history.record_many(
            model,
            ((pks[code], label[code], action, changes) for code, action, changes in logged),
            actor=self.actor,
            at=self.at,
        )
        history.record_summary(
            model,
            action=ChangeAction.LOAD,
            actor=self.actor,
            at=self.at,
            summary=f"{report.name}.csv: {report.created} created, {report.updated} updated, "
            f"{len(report.errors)} rejected; {len(logged)} rows changed",
        )
