"""The §5 outage files (requirements §5): the users file and the interruptions file, CSV or Parquet,
parsed and checked row by row in one place. `manage.py import_interruptions` (bandian.outages.
importer, which then checks the rows against the grid) and `manage.py reliability` (bandian.
reliability.readers, which hands the frames to the engine) both read them through here, so they
accept the same rows and name the same problems in the same words.

Bad rows are reported, never skipped silently: each `Problem` names the file, the line (CSV: the
line in the file, the header being line 1; Parquet: the row number, from 1) and the column. A row
with every cell empty (a blank line) is not a row. What is checked:

- users: user_id present and unique; area_class one of the area classes (bandian.policy.areas);
  county a 6-digit adcode; in_service_from / in_service_to empty or an ISO 8601 date, the latter
  not before the former;
- interruptions: event_id and user_id present; start and end ISO 8601 timestamps (an offset or Z,
  or none: then Asia/Shanghai); kind and cause among the outage kinds and causes (bandian.outages.
  enums). An end not after the start is not an error: the engine counts such a row for nothing (§6).

Validation stays vectorised: a column is parsed once with strict=False, and the rows that came out
null although the cell was not empty are the bad ones.

The two frames (USERS_SCHEMA, INTERRUPTIONS_SCHEMA) are the contract the reliability engine reads.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from bandian.core import limits
from bandian.core.time import SHANGHAI_NAME
from bandian.outages.enums import OutageCause, OutageKind
from bandian.policy.areas import AREA_CLASSES

KINDS: tuple[str, ...] = tuple(OutageKind.values)
CAUSES: tuple[str, ...] = tuple(OutageCause.values)
USERS_SCHEMA: dict[str, Any] = {
    "user_id": pl.String,
    "area_class": pl.String,
    "county": pl.String,
    "in_service_from": pl.Date,
    "in_service_to": pl.Date,
}
INTERRUPTIONS_SCHEMA: dict[str, Any] = {
    "event_id": pl.String,
    "user_id": pl.String,
    "start": pl.Datetime("us", "UTC"),
    "end": pl.Datetime("us", "UTC"),
    "kind": pl.String,
    "cause": pl.String,
}
LINE = "line"  # the column of a Parsed frame holding each row's line (or Parquet row) number
SHOWN = 50  # problems spelt out in the message; the rest are counted
KEPT = 1000  # problems kept on the exception


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None  # CSV line or Parquet row; None for the file as a whole
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(f"{'row' if self.file.endswith('.parquet') else 'line'} {self.line}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.reason}"


class InputError(ValueError):
    """A file that cannot be read as §5 says, with every problem found (up to KEPT of them)."""

    def __init__(self, problems: Sequence[Problem], total: int | None = None) -> None:
        self.problems = list(problems[:KEPT])
        self.total = len(problems) if total is None else total
        super().__init__(self.message())

    def message(self, shown: int = SHOWN) -> str:
        lines = [str(p) for p in self.problems[:shown]]
        if self.total > shown:
            lines.append(f"and {self.total - shown} more")
        return "\n".join(lines)


@dataclass
class Parsed:
    """A file's good rows (in the file's schema; with `lines`, a LINE column too) and its problems
    (up to KEPT of them, in line order; `total` counts them all)."""

    frame: pl.DataFrame
    problems: list[Problem] = field(default_factory=list)
    total: int = 0

    def or_raise(self) -> pl.DataFrame:
        """The frame, when no row was bad; otherwise InputError with every problem."""
        if self.total:
            raise InputError(self.problems, total=self.total)
        return self.frame


Source = str | Path | bytes


def parse_users(source: Source, name: str | None = None, *, lines: bool = False) -> Parsed:
    """The users file (a path, or its bytes and its name). Raises InputError when the file as a
    whole cannot be read (missing, not CSV or Parquet, a column missing)."""
    raw, line_offset, name = _read(source, name, USERS_SCHEMA)
    checks: list[tuple[str, pl.Expr, pl.Expr]] = []
    out: list[pl.Expr] = []

    user_id = _text("user_id")
    out.append(user_id.alias("user_id"))
    checks.append(("user_id", _missing(user_id), pl.lit("missing user_id")))
    first = pl.col("_row").min().over(user_id) + line_offset
    checks.append(
        (
            "user_id",
            ~_missing(user_id) & ~user_id.is_first_distinct(),
            pl.format("duplicate user_id '{}' (first on line {})", user_id, first),
        )
    )

    area = _text("area_class")
    out.append(area.alias("area_class"))
    checks.append(
        (
            "area_class",
            ~area.is_in(AREA_CLASSES).fill_null(False),
            pl.when(_missing(area))
            .then(pl.lit("missing area_class"))
            .otherwise(pl.format("'{}' is not an area class (" + ", ".join(AREA_CLASSES) + ")", area)),
        )
    )

    county = _text("county")
    out.append(county.alias("county"))
    checks.append(
        (
            "county",
            ~county.str.contains(r"^\d{6}$").fill_null(False),
            pl.when(_missing(county))
            .then(pl.lit("missing county"))
            .otherwise(pl.format("'{}' is not a 6-digit adcode", county)),
        )
    )

    dates = {}
    for col in ("in_service_from", "in_service_to"):
        parsed, bad, shown = _date(raw.schema[col], col)
        dates[col] = parsed
        out.append(parsed.alias(col))
        checks.append((col, bad, pl.format("'{}' is not an ISO 8601 date (YYYY-MM-DD)", shown)))
        checks.append((col, parsed.is_not_null() & ~parsed.dt.year().is_between(*YEARS), pl.lit(YEARS_TEXT)))
    checks.append(
        (
            "in_service_to",
            dates["in_service_to"] < dates["in_service_from"],
            pl.format(
                "{} is before in_service_from {}",
                dates["in_service_to"].cast(pl.String),
                dates["in_service_from"].cast(pl.String),
            ),
        )
    )
    return _validated(raw, name, line_offset, out, checks, USERS_SCHEMA, lines=lines)


def parse_interruptions(source: Source, name: str | None = None, *, lines: bool = False) -> Parsed:
    """The interruptions file (a path, or its bytes and its name); InputError as parse_users."""
    raw, line_offset, name = _read(source, name, INTERRUPTIONS_SCHEMA)
    checks: list[tuple[str, pl.Expr, pl.Expr]] = []
    out: list[pl.Expr] = []
    for col in ("event_id", "user_id"):
        value = _text(col)
        out.append(value.alias(col))
        checks.append((col, _missing(value), pl.lit(f"missing {col}")))
    for col in ("start", "end"):
        if raw.schema[col] == pl.String:
            # Parsed once, eagerly (see parse_timestamps); the checks read the result.
            raw = raw.with_columns(parse_timestamps(raw.get_column(col)).alias(f"_parsed_{col}"))
        parsed, bad, shown = _timestamp(raw.schema[col], col)
        out.append(parsed.alias(col))
        checks.append((col, bad, pl.format("'{}' is not an ISO 8601 timestamp", shown)))
        local_year = parsed.dt.convert_time_zone(SHANGHAI_NAME).dt.year()
        checks.append((col, parsed.is_not_null() & ~local_year.is_between(*YEARS), pl.lit(YEARS_TEXT)))
        checks.append((col, parsed.is_null() & ~bad, pl.lit(f"missing {col}")))
    for col, allowed in (("kind", KINDS), ("cause", CAUSES)):
        value = _text(col)
        out.append(value.alias(col))
        checks.append(
            (
                col,
                ~value.is_in(allowed).fill_null(False),
                pl.when(_missing(value))
                .then(pl.lit(f"missing {col}"))
                .otherwise(pl.format(f"'{{}}' is not a {col} ({', '.join(allowed)})", value)),
            )
        )
    return _validated(raw, name, line_offset, out, checks, INTERRUPTIONS_SCHEMA, lines=lines)


def _read(source: Source, name: str | None, schema: dict[str, Any]) -> tuple[pl.DataFrame, int, str]:
    """The file's needed columns (CSV: all as text), the offset from row index to line, its name.

    Parquet by the name's extension or by its magic bytes; a path must end in .csv or .parquet,
    bytes that are not Parquet are read as CSV."""
    if isinstance(source, bytes):
        name = name or "upload"
        parquet = name.lower().endswith(".parquet") or source[:4] == b"PAR1"
        csv = not parquet

        def opened() -> Any:
            return io.BytesIO(source)
    else:
        path = Path(source)
        name = name or path.name
        if not path.is_file():
            raise InputError([Problem(name, None, None, f"no such file: {path}")])
        suffix = path.suffix.lower()
        parquet, csv = suffix == ".parquet", suffix == ".csv"

        def opened() -> Any:
            return path

    try:
        if csv:
            header = pl.read_csv(opened(), n_rows=0, infer_schema=False).columns
            bom = bool(header) and header[0].startswith("\ufeff")
            _require(name, [c.removeprefix("\ufeff") for c in header], schema)
            if not bom:
                return pl.read_csv(opened(), columns=list(schema), infer_schema=False), 2, name
            frame = pl.read_csv(opened(), infer_schema=False)
            return frame.rename({header[0]: header[0].removeprefix("\ufeff")}).select(list(schema)), 2, name
        if parquet:
            columns = pl.read_parquet_schema(opened())
            _require(name, list(columns), schema)
            return pl.read_parquet(opened(), columns=list(schema)), 1, name
    except pl.exceptions.PolarsError as exc:
        reason = str(exc).splitlines()[0]
        if "utf-8" in reason.lower():
            reason = "is not UTF-8 text: save it as UTF-8 (or as Parquet)"
        elif "more fields" in reason:
            reason = "a line has more fields than the header"
        else:
            reason = f"cannot be read: {reason}"
        raise InputError([Problem(name, None, None, reason)]) from exc
    raise InputError([Problem(name, None, None, "must be a .csv or .parquet file")])


def _require(name: str, header: list[str], schema: dict[str, Any]) -> None:
    missing = [c for c in schema if c not in header]
    if missing:
        raise InputError([Problem(name, 1, c, "missing column") for c in missing])


def _text(col: str) -> pl.Expr:
    """A text column as it is (no stripping: a stray space is shown in the error it causes)."""
    return pl.col(col).cast(pl.String)


# Every date given lies in these years (bandian/core/limits.py, as on the forms and the API).
YEARS = (limits.FIRST_YEAR, limits.LAST_YEAR)
YEARS_TEXT = f"must be between the years {limits.FIRST_YEAR} and {limits.LAST_YEAR}"


def _missing(value: pl.Expr) -> pl.Expr:
    return value.is_null() | (value.str.len_bytes() == 0)


def _date(dtype: pl.DataType, col: str) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(parsed Date, bad mask, text shown for a bad cell)."""
    if dtype == pl.Date:
        return pl.col(col), pl.lit(False), pl.lit("")
    if isinstance(dtype, pl.Datetime):
        return pl.col(col).dt.date(), pl.lit(False), pl.lit("")
    text = pl.when(_missing(_text(col))).then(None).otherwise(_text(col))
    parsed = text.str.to_date("%Y-%m-%d", strict=False)
    return parsed, text.is_not_null() & parsed.is_null(), text


def _timestamp(dtype: pl.DataType, col: str) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(parsed Datetime UTC, bad mask, text shown for a bad cell). Without an offset: Shanghai."""
    if isinstance(dtype, pl.Datetime):
        value = pl.col(col).cast(pl.Datetime("us", dtype.time_zone))
        if dtype.time_zone is None:
            value = value.dt.replace_time_zone(SHANGHAI_NAME, ambiguous="earliest", non_existent="null")
        return value.dt.convert_time_zone("UTC"), pl.lit(False), pl.lit("")
    text = pl.when(_missing(_text(col))).then(None).otherwise(_text(col))
    parsed = pl.col(f"_parsed_{col}")
    return parsed, text.is_not_null() & parsed.is_null(), text


# After the seconds: an optional fraction, then Z, an offset (+08:00, +0800, +08) or nothing.
_TAIL = r"^(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):?(\d{2})?)?$"
_NAIVE = 1 << 40  # marks a tail without an offset in the adjustment table below
_SLOW_FORMATS = (
    ("%Y-%m-%dT%H:%M:%S%.f%z", True),
    ("%Y-%m-%dT%H:%M%z", True),
    ("%Y-%m-%dT%H:%M:%S%.f", False),
    ("%Y-%m-%dT%H:%M", False),
)


def parse_timestamps(text: pl.Series) -> pl.Series:
    """ISO 8601 text → Datetime("us", "UTC"); null where empty or not a timestamp.

    Accepted: a date, `T` or a space, the time to the second or the minute, an optional fraction,
    then `Z`, an offset (`+08:00`, `+0800`, `+08`) or nothing (Asia/Shanghai time).

    Fast path for the usual shape (YYYY-MM-DDTHH:MM:SS then a tail): the first 19 characters go
    through Polars' fixed-format parser, and the tails, which take few distinct values in a file,
    are read once each; the rows it leaves unparsed (minutes only, or bad) try the general formats.
    """
    frame = pl.DataFrame({"t": text}).with_columns(
        pl.when(_missing(pl.col("t"))).then(None).otherwise(pl.col("t").str.replace(" ", "T", literal=True)).alias("n")
    )
    norm = frame.get_column("n")
    head = norm.str.slice(0, 19).str.to_datetime("%Y-%m-%dT%H:%M:%S", strict=False, time_unit="us")
    rest = norm.str.slice(19)
    tails = (
        rest.unique()
        .drop_nulls()
        .to_frame("tail")
        .with_columns(pl.col("tail").str.extract_groups(_TAIL).alias("g"))
        .unnest("g")
    )
    frac, zulu, sign, hh, mm = tails.columns[1:]
    fraction_us = pl.col(frac).fill_null("").str.pad_end(6, "0").str.slice(0, 6).cast(pl.Int64)
    offset_s = pl.col(hh).cast(pl.Int64) * 3600 + pl.col(mm).fill_null("0").cast(pl.Int64) * 60
    table = tails.select(
        "tail",
        pl.when(pl.col(zulu).is_not_null())
        .then(fraction_us)
        .when(
            pl.col(sign).is_not_null()
            & (pl.col(hh).cast(pl.Int64) <= 23)
            & (pl.col(mm).fill_null("0").cast(pl.Int64) <= 59)
        )
        .then(fraction_us - pl.when(pl.col(sign) == "-").then(-offset_s).otherwise(offset_s) * 1_000_000)
        .when((pl.col("tail") == "") | pl.col(frac).is_not_null())
        .then(fraction_us + _NAIVE)
        .otherwise(None)
        .alias("adjust"),
    ).drop_nulls()
    adjust = rest.replace_strict(
        table.get_column("tail"), table.get_column("adjust"), default=None, return_dtype=pl.Int64
    )
    parts = pl.DataFrame({"head": head, "adjust": adjust})
    naive = pl.col("adjust") >= _NAIVE // 2
    result = parts.select(
        pl.when(naive)
        .then(
            (pl.col("head") + pl.duration(microseconds=pl.col("adjust") - _NAIVE))
            .dt.replace_time_zone(SHANGHAI_NAME, ambiguous="earliest", non_existent="null")
            .dt.convert_time_zone("UTC")
        )
        .otherwise((pl.col("head").dt.epoch("us") + pl.col("adjust")).cast(pl.Datetime("us", "UTC")))
        .alias("ts")
    ).get_column("ts")
    todo = (norm.is_not_null() & result.is_null()).arg_true()
    if todo.len():
        subset = norm.gather(todo).str.replace(r"[Zz]$", "+00:00")
        slow = pl.DataFrame({"s": subset}).select(
            pl.coalesce(
                *(
                    pl.col("s").str.to_datetime(fmt, strict=False, time_unit="us", time_zone="UTC")
                    if aware
                    else pl.col("s")
                    .str.to_datetime(fmt, strict=False, time_unit="us")
                    .dt.replace_time_zone(SHANGHAI_NAME, ambiguous="earliest", non_existent="null")
                    .dt.convert_time_zone("UTC")
                    for fmt, aware in _SLOW_FORMATS
                )
            )
        )
        result = result.scatter(todo, slow.get_column("s"))
    return result.alias(text.name)


def _validated(
    raw: pl.DataFrame,
    name: str,
    line_offset: int,
    out: list[pl.Expr],
    checks: list[tuple[str, pl.Expr, pl.Expr]],
    schema: dict[str, Any],
    *,
    lines: bool,
) -> Parsed:
    """Parse (`out`) and check (`checks`: column, bad mask, reason) in one pass: the good rows cast
    to `schema` (with `lines`, and a LINE column) and every problem in line order."""
    names = [str(c) for c in schema]
    blank = pl.all_horizontal([pl.col(c).is_null() for c in names])
    checked = (
        raw.lazy()
        .with_row_index("_row")
        .with_columns(
            pl.col("_row").cast(pl.Int64),
            blank.alias("_blank"),
            *(expr.alias(f"_out_{c}") for c, expr in zip(names, out, strict=True)),
            *((mask.fill_null(False) & ~blank).alias(f"_bad{i}") for i, (_, mask, _) in enumerate(checks)),
        )
        .collect()
    )
    bad = [f"_bad{i}" for i in range(len(checks))]
    any_bad, any_blank = checked.select(pl.any_horizontal(bad).any(), pl.col("_blank").any()).row(0)
    columns = [checked.get_column(f"_out_{c}").alias(c) for c in names]
    if lines:
        columns.append((checked.get_column("_row") + line_offset).alias(LINE))
    if not any_bad and not any_blank:
        # Column by column: a select would copy (rechunk) the 10-million-row string columns.
        return Parsed(pl.DataFrame(columns).cast(pl.Schema(_with_line(schema, lines))))
    keep = ~checked.select(pl.any_horizontal([*bad, "_blank"]).alias("k")).get_column("k")
    good = pl.DataFrame(columns).filter(keep)
    good = good.cast(pl.Schema(_with_line(schema, lines)))
    if not any_bad:
        return Parsed(good)
    order = {c: i for i, c in enumerate(names)}
    problems = [
        checked.lazy()
        .with_columns(
            (pl.col("_row") + line_offset).alias("_line"),
            pl.lit(order[column]).alias("_order"),
            pl.lit(column).alias("_column"),
            reason.alias("_reason"),
        )
        .filter(pl.col(f"_bad{i}"))
        .select("_line", "_order", "_column", "_reason")
        for i, (column, _, reason) in enumerate(checks)
    ]
    found = pl.concat(pl.collect_all(problems)).sort("_line", "_order")
    kept = [
        Problem(name, int(r[0]), r[1], r[2]) for r in found.head(KEPT).select("_line", "_column", "_reason").iter_rows()
    ]
    return Parsed(good, kept, found.height)


def _with_line(schema: dict[str, Any], lines: bool) -> dict[str, Any]:
    return {**schema, LINE: pl.Int64} if lines else schema
