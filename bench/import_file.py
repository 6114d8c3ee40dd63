"""A deterministic §5 application file for the import benchmark (issue 10.5).

    python -m bench.import_file OUT.jsonl [--records 100000]

writes `--records` good records (default 100,000, about 7 events each) and 17 bad lines among
them, 100,017 lines in all: the same bytes on every run. The records cover every class across
the 16 counties, submitted 2022–2025: pauses with each policy reason, department approvals,
visits, withdrawals and cancellations, applications still running, and restarts — some declared
(`restart_of`), some only detectable (the same `applicant_id` and address within the policy's
30-day window), some of them close enough in the file to fall in the importer's current batch.
The `applicant_id`s are HMAC-SHA-256 under a fixed bench key (the importer checks only their form).
Needs no database and no Django.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import hmac
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SEED = 10_5
BAD_LINES = 17
TZ = dt.timezone(dt.timedelta(hours=8))
COUNTIES = [f"5226{n:02d}" for n in (1, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36)]
CLASSES = [  # class, weight, steps, documents, voltage, capacity range (kW)
    ("residential", 40, ["apply", "connect"], ["id_card", "property_proof"], 0.22, (4, 20)),
    ("lv_sanling", 25, ["apply", "connect"], ["business_licence", "property_proof"], 0.4, (20, 160)),
    ("lv_general", 15, ["apply", "plan", "connect"], ["business_licence", "property_proof"], 0.38, (100, 400)),
    (
        "hv_single",
        12,
        ["apply", "plan", "connect"],
        ["business_licence", "property_proof", "load_list"],
        10,
        (400, 5000),
    ),
    ("hv_dual", 8, ["apply", "plan", "connect"], ["business_licence", "property_proof", "load_list"], 20, (1000, 9000)),
]
PAUSE_REASONS = ["customer_not_ready", "customer_requested_date", "customer_works", "awaiting_document"]
KEY = b"bench-applicant-id-key"
START = dt.datetime(2022, 1, 4, 9, 0, tzinfo=TZ)
SPAN_DAYS = 4 * 365 - 40


def _at(t: dt.datetime) -> str:
    return t.isoformat(timespec="seconds")


def _office(t: dt.datetime, rng: random.Random) -> dt.datetime:
    """The next office-hours instant at or after t (weekends skipped; holidays do not matter)."""
    t = t.replace(minute=rng.choice((0, 15, 30, 45)), second=0)
    if t.hour < 9:
        t = t.replace(hour=9)
    if t.hour >= 17:
        t = (t + dt.timedelta(days=1)).replace(hour=9)
    while t.weekday() >= 5:
        t += dt.timedelta(days=1)
    return t


class Generator:
    def __init__(self, records: int) -> None:
        self.rng = random.Random(SEED)
        self.records = records
        self.serial = 0
        self.pending_restarts: list[tuple[int, dict[str, Any], bool]] = []  # (emit at line, record, declared)

    def person(self, county: str) -> str:
        self.serial += 1
        return hmac.new(KEY, f"{county}{self.serial:012d}".encode(), hashlib.sha256).hexdigest()

    def address(self, county: str, n: int) -> str:
        return f"黔东南州{county}县示范路 {n} 号"

    def timeline(self, steps: list[str], submitted: dt.datetime, end: str) -> list[dict[str, Any]]:
        """Events from submission; `end` is energised, running, withdrawn or cancelled."""
        rng = self.rng
        t = submitted
        events: list[dict[str, Any]] = [{"at": _at(t), "type": "submitted"}]

        def later(hours: float) -> dt.datetime:
            nonlocal t
            t = _office(t + dt.timedelta(hours=hours), rng)
            return t

        last = len(steps) if end == "energised" else rng.randint(1, len(steps) - 1)
        for i, stage in enumerate(steps[:last]):
            if i == 1 and rng.random() < 0.5:
                events.append({"at": _at(later(rng.uniform(2, 30))), "type": "approval_started"})
                events.append({"at": _at(later(rng.uniform(20, 120))), "type": "approval_completed"})
            if rng.random() < 0.5:
                events.append(
                    {"at": _at(later(rng.uniform(1, 20))), "type": "paused", "reason": rng.choice(PAUSE_REASONS)}
                )
                events.append({"at": _at(later(rng.uniform(10, 100))), "type": "resumed", "note": "客户已就绪"})
            if rng.random() < 0.3:
                events.append({"at": _at(later(rng.uniform(1, 10))), "type": "visit", "note": "到营业厅签字"})
            events.append({"at": _at(later(rng.uniform(3, 60))), "type": "stage_completed", "stage": stage})
        if end in ("withdrawn", "cancelled"):
            note = "客户撤回" if end == "withdrawn" else "客户长期未配合"
            events.append({"at": _at(later(rng.uniform(2, 40))), "type": end, "note": note})
        return events

    def record(self, n: int) -> dict[str, Any]:
        rng = self.rng
        cls, _w, steps, documents, voltage, (low, high) = rng.choices(CLASSES, weights=[c[1] for c in CLASSES])[0]
        county = rng.choice(COUNTIES)
        submitted = _office(START + dt.timedelta(days=rng.uniform(0, SPAN_DAYS)), rng)
        roll = rng.random()
        end = "energised" if roll < 0.9 else "running" if roll < 0.95 else "withdrawn" if roll < 0.98 else "cancelled"
        record = {
            "no": f"BENCH-{n:06d}",
            "customer_class": cls,
            "county": county,
            "urban": rng.random() < 0.6,
            "capacity_kw": round(rng.uniform(low, high), 1),
            "voltage_kv": voltage,
            "applicant_id": self.person(county),
            "address": self.address(county, n),
            "documents": documents,
            "events": self.timeline(steps, submitted, end),
        }
        if end in ("withdrawn", "cancelled") and rng.random() < 0.6:
            # The same person at the same address applies again within the window.
            closed = dt.datetime.fromisoformat(record["events"][-1]["at"])
            again = dict(
                record,
                events=self.timeline(steps, _office(closed + dt.timedelta(days=rng.uniform(1, 20)), rng), "energised"),
            )
            declared = rng.random() < 0.5
            distance = rng.choice((3, 40, 700, 5000))  # some in the same import batch, most later
            self.pending_restarts.append((n + distance, again, declared))
        return record

    def lines(self) -> Iterator[str]:
        rng = random.Random(SEED + 1)
        bad_at = set(rng.sample(range(10, self.records), BAD_LINES))
        n = 0
        emitted = 0
        while emitted < self.records:
            due = [p for p in self.pending_restarts if p[0] <= n]
            for item in due:
                self.pending_restarts.remove(item)
                _line, again, declared = item
                n += 1
                restart = dict(again, no=f"BENCH-{n:06d}")
                if declared:
                    restart["restart_of"] = again["no"]
                emitted += 1
                yield json.dumps(restart, ensure_ascii=False)
                if emitted >= self.records:
                    return
            if emitted in bad_at:
                bad_at.discard(emitted)
                yield bad_line(len(bad_at), rng)
            n += 1
            emitted += 1
            yield json.dumps(self.record(n), ensure_ascii=False)


def bad_line(k: int, rng: random.Random) -> str:
    """Seventeen kinds of bad line: the importer must name each by line number and reason."""
    base = {
        "no": f"BAD-{k:02d}",
        "customer_class": "residential",
        "county": "522601",
        "urban": True,
        "capacity_kw": 8,
        "voltage_kv": 0.22,
        "applicant_id": "0" * 64,
        "address": "凯里市坏行路 1 号",
        "documents": ["id_card", "property_proof"],
        "events": [
            {"at": "2024-03-04T09:00:00+08:00", "type": "submitted"},
            {"at": "2024-03-04T15:00:00+08:00", "type": "stage_completed", "stage": "apply"},
        ],
    }
    broken: list[Any] = [
        "{not json",
        json.dumps(dict(base, customer_class="factory")),
        json.dumps(dict(base, county="110101")),
        json.dumps(dict(base, applicant_id="522601199001011234")),
        json.dumps(dict(base, voltage_kv=10)),
        json.dumps(dict(base, capacity_kw=-3)),
        json.dumps({k: v for k, v in base.items() if k != "address"}),
        json.dumps(dict(base, events=[])),
        json.dumps(dict(base, events=[{"at": "2024-03-04T09:00:00", "type": "submitted"}])),
        json.dumps(
            dict(base, events=[{"at": "2024-03-04T09:00:00+08:00", "type": "stage_completed", "stage": "apply"}])
        ),
        json.dumps(
            dict(
                base,
                events=base["events"]
                + [{"at": "2024-03-05T09:00:00+08:00", "type": "stage_completed", "stage": "apply"}],
            )
        ),
        json.dumps(
            dict(
                base,
                events=base["events"] + [{"at": "2024-03-05T09:00:00+08:00", "type": "paused", "reason": "weather"}],
            )
        ),
        json.dumps(dict(base, events=base["events"] + [{"at": "2024-03-05T09:00:00+08:00", "type": "resumed"}])),
        json.dumps(dict(base, events=[{"at": "2099-01-05T09:00:00+08:00", "type": "submitted"}])),
        json.dumps(dict(base, documents=["load_list"])),
        json.dumps(dict(base, restart_of="NO-SUCH-APPLICATION")),
        json.dumps(dict(base, colour="blue")),
    ]
    return broken[k % len(broken)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args(argv)
    lines = 0
    with args.out.open("w", encoding="utf-8") as out:
        for line in Generator(args.records).lines():
            out.write(line + "\n")
            lines += 1
    print(f"{args.out}: {lines} lines", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
