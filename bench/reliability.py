"""Reliability bench: `manage.py reliability` against DuckDB computing the same figures in SQL.

Data (deterministic, built once and cached under bench/.data/): 1,000,000 users with string ids
("U0000123456"), four area classes, 16 counties, some in service from or until a day of the year;
10,000,000 interruption rows: overlapping pairs, planned and fault, three causes, momentary ones,
zero-length and reversed ones, some crossing the year's boundaries. Both sides run as
subprocesses (process start to exit), each reading the two Parquet files; the figures must agree
exactly and the command must be at least TARGET_RATIO times as fast.

    python -m bench.reliability            # run it alone (also: python -m bench --only reliability)
    python -m bench.reliability duckdb --users U --interruptions I --year Y   # the DuckDB side
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(__file__).resolve().parent / ".data"
YEAR = 2025
USERS = 1_000_000
ROWS = 10_000_000
TARGET_RATIO = 1.5
COUNTIES = [f"5226{n:02d}" for n in (1, *range(22, 37))]  # Kaili and the 15 counties
DATA_VERSION = 3

PRIME = 2_147_483_647  # 2**31 - 1: products of two residues fit in an Int64


def _rand(i: Any, salt: int, n: int) -> Any:
    """A pseudo-random integer in [0, n) for each value of the Int64 expression i (< 2**31):
    plain modular arithmetic with squarings, so the data set depends on no library's RNG."""
    x = (i * 1_103_515_245 + salt * 2_654_435_761 + 12_345) % PRIME
    x = (x * x + salt) % PRIME
    x = (x * 48_271 + 11) % PRIME
    x = (x * x + 7 * salt + 3) % PRIME
    return x % n


def build(data_dir: Path = DATA_DIR, *, users: int = USERS, rows: int = ROWS, year: int = YEAR) -> tuple[Path, Path]:
    """Write users.parquet and interruptions.parquet (once: kept while the stamp matches)."""
    import polars as pl

    data_dir.mkdir(parents=True, exist_ok=True)
    users_path, rows_path = data_dir / "users.parquet", data_dir / "interruptions.parquet"
    stamp = data_dir / "stamp.json"
    want = {"version": DATA_VERSION, "users": users, "rows": rows, "year": year}
    if users_path.exists() and rows_path.exists() and stamp.exists() and json.loads(stamp.read_text()) == want:
        return users_path, rows_path
    i = pl.int_range(0, users, dtype=pl.Int64)
    jan1 = dt.date(year, 1, 1)
    days = (dt.date(year + 1, 1, 1) - jan1).days
    areas = pl.Series(["central", "urban", "urban", "town", "town", "town", "rural", "rural", "rural", "rural"])
    counties = pl.Series(COUNTIES)
    since = (
        pl.when(_rand(i, 3, 100) < 5)  # 5 % connected during the year
        .then(pl.lit(jan1) + pl.duration(days=_rand(i, 4, days)))
        .otherwise(None)
    )
    until = (
        pl.when(_rand(i, 5, 100) < 2)  # 2 % leave service, some before the year (never counted)
        .then(pl.lit(jan1) + pl.duration(days=_rand(i, 6, days + 30) - 30))
        .otherwise(None)
    )
    u = pl.select(
        pl.format("U{}", i.cast(pl.String).str.zfill(10)).alias("user_id"),
        areas.gather(_rand(i, 1, len(areas))).alias("area_class"),
        counties.gather(_rand(i, 2, len(counties))).alias("county"),
        since.alias("in_service_from"),
        pl.when(since.is_null() | until.is_null())
        .then(until)
        .otherwise(pl.max_horizontal(since, until))
        .alias("in_service_to"),
    )
    u.write_parquet(users_path)

    j = pl.int_range(0, rows, dtype=pl.Int64)
    pair = j // 2  # two rows per pair, same user: often overlapping
    year_start = int(dt.datetime(year, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp())
    span = (days + 4) * 86_400  # from two days before the year to two days after
    first = year_start - 2 * 86_400 + _rand(pair, 7, span)
    start = pl.when(j % 2 == 0).then(first).otherwise(first + _rand(j, 8, 6 * 3600) - 3 * 3600)
    kind_of = _rand(j, 9, 100)
    length = (
        pl.when(kind_of < 20)
        .then(1 + _rand(j, 10, 180))  # momentary
        .when(kind_of < 21)
        .then(-_rand(j, 11, 60))  # zero-length or reversed: counts for nothing
        .when(kind_of < 22)
        .then(180 + _rand(j, 12, 2))  # 180 s (momentary) and 181 s (sustained)
        .otherwise(181 + _rand(j, 13, 4 * 3600) + _rand(j, 14, 4 * 3600) * (_rand(j, 15, 10) == 0))
    )
    cause = pl.Series(["internal"] * 16 + ["external"] * 2 + ["rationing"] * 2)
    r = pl.select(
        pl.format("E{}", j.cast(pl.String).str.zfill(9)).alias("event_id"),
        pl.format("U{}", _rand(pair, 16, users).cast(pl.String).str.zfill(10)).alias("user_id"),
        (start * 1_000_000).cast(pl.Datetime("us", "UTC")).alias("start"),
        ((start + length) * 1_000_000).cast(pl.Datetime("us", "UTC")).alias("end"),
        pl.when(_rand(j, 17, 10) < 3).then(pl.lit("planned")).otherwise(pl.lit("fault")).alias("kind"),
        cause.gather(_rand(j, 18, len(cause))).alias("cause"),
    )
    r.write_parquet(rows_path)
    stamp.write_text(json.dumps(want))
    return users_path, rows_path


# The DuckDB side. Plain SQL, one window per merge (gaps and islands): prev_max is the running
# maximum of `end` over the user's earlier rows; a row opens a block where its start is after
# it, and adds the part of it beyond both its start and prev_max. The final divisions repeat
# bandian.reliability.engine.figures() in the same order of float operations.
DUCKDB_SQL = """
WITH
users AS (
  SELECT user_id, area_class, county,
         greatest(0, coalesce((in_service_from - DATE '1970-01-01') * 86400 - 28800 - $p0, 0)) AS a,
         least($len, coalesce((in_service_to - DATE '1970-01-01' + 1) * 86400 - 28800 - $p0, $len)) AS b
  FROM read_parquet($users)
),
served AS (SELECT * FROM users WHERE b > a),
rows AS (
  SELECT i.user_id, u.a, u.b,
         epoch_us("end") - epoch_us(start) AS dur,
         epoch_us(start) // 1000000 - $p0 AS s,
         epoch_us("end") // 1000000 - $p0 AS e,
         kind, cause
  FROM read_parquet($interruptions) i JOIN served u USING (user_id)
),
momentary AS (
  SELECT user_id, count(*) AS momentary FROM rows
  WHERE dur > 0 AND dur <= 180000000 AND s >= a AND s < b GROUP BY user_id
),
sustained AS (
  SELECT user_id, greatest(s, a) AS s, least(e, b) AS e, kind, cause FROM rows
  WHERE dur > 180000000 AND least(e, b) > greatest(s, a)
),
w_total AS (
  SELECT user_id, s, e, max(e) OVER (PARTITION BY user_id ORDER BY s
      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS pm
  FROM sustained
),
m_total AS (
  SELECT user_id,
         sum(greatest(0, e - greatest(s, coalesce(pm, -1)))) AS seconds_total,
         count(*) FILTER (WHERE pm IS NULL OR s > pm) AS blocks
  FROM w_total GROUP BY user_id
),
w_planned AS (
  SELECT user_id, s, e, max(e) OVER (PARTITION BY user_id ORDER BY s
      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS pm
  FROM sustained WHERE kind = 'planned'
),
m_planned AS (
  SELECT user_id, sum(greatest(0, e - greatest(s, coalesce(pm, -1)))) AS seconds_planned
  FROM w_planned GROUP BY user_id
),
w_fault AS (
  SELECT user_id, s, e, max(e) OVER (PARTITION BY user_id ORDER BY s
      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS pm
  FROM sustained WHERE kind = 'fault'
),
m_fault AS (
  SELECT user_id, sum(greatest(0, e - greatest(s, coalesce(pm, -1)))) AS seconds_fault
  FROM w_fault GROUP BY user_id
),
w_no_external AS (
  SELECT user_id, s, e, max(e) OVER (PARTITION BY user_id ORDER BY s
      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS pm
  FROM sustained WHERE cause <> 'external'
),
m_no_external AS (
  SELECT user_id, sum(greatest(0, e - greatest(s, coalesce(pm, -1)))) AS seconds_no_external
  FROM w_no_external GROUP BY user_id
),
w_no_rationing AS (
  SELECT user_id, s, e, max(e) OVER (PARTITION BY user_id ORDER BY s
      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS pm
  FROM sustained WHERE cause <> 'rationing'
),
m_no_rationing AS (
  SELECT user_id, sum(greatest(0, e - greatest(s, coalesce(pm, -1)))) AS seconds_no_rationing
  FROM w_no_rationing GROUP BY user_id
),
per_user AS (
  SELECT u.user_id, u.area_class, u.county, u.b - u.a AS in_service_seconds,
         coalesce(seconds_total, 0) AS seconds_total, coalesce(blocks, 0) AS blocks,
         coalesce(seconds_planned, 0) AS seconds_planned, coalesce(seconds_fault, 0) AS seconds_fault,
         coalesce(seconds_no_external, 0) AS seconds_no_external,
         coalesce(seconds_no_rationing, 0) AS seconds_no_rationing,
         coalesce(momentary, 0) AS momentary
  FROM served u
  LEFT JOIN m_total USING (user_id) LEFT JOIN m_planned USING (user_id)
  LEFT JOIN m_fault USING (user_id) LEFT JOIN m_no_external USING (user_id)
  LEFT JOIN m_no_rationing USING (user_id) LEFT JOIN momentary USING (user_id)
),
sums AS (
  SELECT CASE WHEN GROUPING(area_class) = 0 THEN 'area' WHEN GROUPING(county) = 0 THEN 'county'
              ELSE 'total' END AS scope,
         coalesce(area_class, county, '') AS key,
         count(*) AS users, sum(in_service_seconds) AS in_service_seconds,
         sum(seconds_total) AS seconds_total, sum(blocks) AS blocks,
         sum(seconds_planned) AS seconds_planned, sum(seconds_fault) AS seconds_fault,
         sum(seconds_no_external) AS seconds_no_external,
         sum(seconds_no_rationing) AS seconds_no_rationing,
         sum(momentary) AS momentary,
         count(*) FILTER (WHERE blocks > 1) AS cemi_1, count(*) FILTER (WHERE blocks > 2) AS cemi_2,
         count(*) FILTER (WHERE blocks > 3) AS cemi_3, count(*) FILTER (WHERE blocks > 4) AS cemi_4,
         count(*) FILTER (WHERE blocks > 5) AS cemi_5,
         count(*) FILTER (WHERE seconds_total > 28800) AS celid
  FROM per_user GROUP BY GROUPING SETS ((area_class), (county), ())
),
f AS (
  SELECT *, in_service_seconds / $len AS user_years,
         $len / 3600 AS hours
  FROM sums
)
SELECT scope, key, users, momentary, user_years, seconds_total, in_service_seconds,
       seconds_total / 3600 / user_years AS saidi_hours,
       blocks / user_years AS saifi,
       CASE WHEN blocks > 0 THEN (seconds_total / 3600 / user_years) / (blocks / user_years) END
         AS caidi_hours,
       1 - (seconds_total / 3600 / user_years) / hours AS rs1,
       1 - (seconds_no_external / 3600 / user_years) / hours AS rs2,
       1 - (seconds_no_rationing / 3600 / user_years) / hours AS rs3,
       seconds_planned / 3600 / user_years AS planned_hours,
       seconds_fault / 3600 / user_years AS fault_hours,
       cemi_1 / users AS cemi_1, cemi_2 / users AS cemi_2, cemi_3 / users AS cemi_3,
       cemi_4 / users AS cemi_4, cemi_5 / users AS cemi_5,
       celid / users AS celid_8h
FROM f
"""


def duckdb_report(users: str, interruptions: str, year: int, targets: dict[str, float]) -> dict[str, Any]:
    """The §6 figures computed by DuckDB, as the same JSON document as the command's."""
    import duckdb

    start = dt.datetime(year, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    end = dt.datetime(year + 1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    p0, length = int(start.timestamp()), int((end - start).total_seconds())
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    cur = con.execute(
        DUCKDB_SQL,
        {"users": users, "interruptions": interruptions, "p0": p0, "len": length},
    )
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def r6(x: Any) -> float | None:
        return None if x is None else round(float(x), 6)

    def scope_figures(row: dict[str, Any] | None, target: float | None) -> dict[str, Any]:
        if row is None:
            return {
                "users": 0,
                "user_years": 0.0,
                **dict.fromkeys(
                    ("saidi_hours", "saifi", "caidi_hours", "rs1", "rs2", "rs3", "planned_hours", "fault_hours"),
                ),
                "momentary_count": 0,
                "cemi": None,
                "celid_8h": None,
                "target_hours": target,
                "meets_target": None,
            }
        return {
            "users": int(row["users"]),
            "user_years": r6(row["user_years"]),
            **{
                k: r6(row[k])
                for k in ("saidi_hours", "saifi", "caidi_hours", "rs1", "rs2", "rs3", "planned_hours", "fault_hours")
            },
            "momentary_count": int(row["momentary"]),
            "cemi": {str(n): r6(row[f"cemi_{n}"]) for n in range(1, 6)},
            "celid_8h": r6(row["celid_8h"]),
            "target_hours": target,
            # Exactly, as the engine decides it: seconds × period ≤ target × 3600 × in-service seconds.
            "meets_target": None
            if target is None
            else int(row["seconds_total"]) * length <= Fraction(str(target)) * 3600 * int(row["in_service_seconds"]),
        }

    by = {(r["scope"], r["key"]): r for r in rows}
    return {
        "year": year,
        "by_area": {
            a: scope_figures(by.get(("area", a)), targets.get(a)) for a in ("central", "urban", "town", "rural")
        },
        "by_county": {k: scope_figures(by[("county", k)], None) for s, k in sorted(by) if s == "county"},
        "total": scope_figures(by.get(("total", "")), None),
    }


@dataclass(frozen=True)
class Run:
    seconds: float
    cpu: float  # user + system seconds of the process and its threads
    max_rss_mb: float
    output: dict[str, Any]


def run(cmd: list[str], *, env: dict[str, str] | None = None) -> Run:
    """Run cmd to exit; wall time, peak RSS (of that process) and its JSON output."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        began = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        took = time.perf_counter() - began
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err.read().decode()}")
        out.seek(0)
        return Run(took, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, json.loads(out.read()))


def diff(a: Any, b: Any, path: str = "") -> list[str]:
    """Where two JSON documents differ (the first few)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{path}/{k}: only on one side" for k in sorted(set(a) ^ set(b))]
        for k in a:
            if k in b:
                out += diff(a[k], b[k], f"{path}/{k}")
        return out
    return [] if a == b and type(a) is type(b) else [f"{path}: {a!r} != {b!r}"]


def targets_for(year: int) -> dict[str, float]:
    """The policy's targets, read as the command reads them."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bandian.settings")
    import django

    django.setup()
    from bandian.policy.loader import active_policy

    target = active_policy().reliability_target(year)
    return {} if target is None else {a: getattr(target, a) for a in ("central", "urban", "town", "rural")}


def bench(*, rounds: int = 2, users: int = USERS, rows: int = ROWS) -> tuple[bool, list[tuple[str, str, str, str]]]:
    """Build the data if needed, then run both sides `rounds` times, alternating; the best of each
    counts. Returns (passed, table rows)."""
    built = time.perf_counter()
    users_path, rows_path = build(users=users, rows=rows)
    built_s = time.perf_counter() - built
    env = {**os.environ, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}  # the command must not need it
    env.pop("DJANGO_SETTINGS_MODULE", None)
    ours_cmd = [
        sys.executable,
        "manage.py",
        "reliability",
        "--users",
        str(users_path),
        "--interruptions",
        str(rows_path),
        "--year",
        str(YEAR),
        "--format",
        "json",
    ]
    duck_cmd = [
        sys.executable,
        "-m",
        "bench.reliability",
        "duckdb",
        "--users",
        str(users_path),
        "--interruptions",
        str(rows_path),
        "--year",
        str(YEAR),
        "--targets",
        json.dumps(targets_for(YEAR)),
    ]
    ours, duck = [], []
    for _ in range(max(1, rounds)):
        ours.append(run(ours_cmd, env=env))
        duck.append(run(duck_cmd, env=env))
    best_ours = min(ours, key=lambda r: r.seconds)
    best_duck = min(duck, key=lambda r: r.seconds)
    ours_doc = {k: v for k, v in best_ours.output.items() if k in ("year", "by_area", "by_county", "total")}
    differences = diff(ours_doc, best_duck.output)
    ratio = best_duck.seconds / best_ours.seconds
    passed = ratio >= TARGET_RATIO and not differences
    table = []
    if built_s > 1:
        table.append(("build reliability data (once)", f"{built_s:.1f} s", "", f"{users:,} users, {rows:,} rows"))
    every = ", ".join(f"{r.seconds:.2f}" for r in ours)
    table.append(
        (
            f"manage.py reliability --year {YEAR} (best of {len(ours)})",
            f"{best_ours.seconds:.2f} s",
            "",
            f"runs {every} s; CPU {best_ours.cpu:.1f} s; peak RSS {best_ours.max_rss_mb:,.0f} MB",
        )
    )
    every = ", ".join(f"{r.seconds:.2f}" for r in duck)
    table.append(
        (
            f"DuckDB SQL, same figures (best of {len(duck)})",
            f"{best_duck.seconds:.2f} s",
            "",
            f"runs {every} s; CPU {best_duck.cpu:.1f} s; peak RSS {best_duck.max_rss_mb:,.0f} MB",
        )
    )
    table.append(
        (
            "DuckDB / reliability wall time",
            f"{ratio:.2f}",
            f">= {TARGET_RATIO:g}, same figures {'ok' if passed else 'MISSED'}",
            "figures identical" if not differences else f"{len(differences)} differ: " + "; ".join(differences[:5]),
        )
    )
    return passed, table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reliability", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what")
    duck = sub.add_parser("duckdb", help="print the DuckDB side's JSON document")
    duck.add_argument("--users", required=True)
    duck.add_argument("--interruptions", required=True)
    duck.add_argument("--year", type=int, required=True)
    duck.add_argument("--targets", default="{}", help='JSON: {"central": 1.9, ...}')
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--users-count", type=int, default=USERS)
    parser.add_argument("--rows", type=int, default=ROWS)
    args = parser.parse_args(argv)
    if args.what == "duckdb":
        report = duckdb_report(args.users, args.interruptions, args.year, json.loads(args.targets))
        sys.stdout.write(json.dumps(report, ensure_ascii=False, separators=(",", ":")))
        return 0
    load1, load5, _ = os.getloadavg()
    print(f"machine: {os.cpu_count()} CPUs, load average {load1:.1f} (1 min), {load5:.1f} (5 min) at the start")
    passed, table = bench(rounds=args.rounds, users=args.users_count, rows=args.rows)
    width = [max(len(r[i]) for r in table) for i in range(4)]
    print()
    for r in table:
        print("  ".join(cell.ljust(width[i]) for i, cell in enumerate(r)).rstrip())
    print()
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (1 min); other work on the machine slows every figure")
    print("reliability target met" if passed else "RELIABILITY TARGET MISSED")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
