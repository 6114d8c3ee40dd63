"""Write a synthetic grid and a year of interruptions as the CSV files of docs/grid.md and §5.

    python -m bench.grid_files OUTDIR [--users 20000] [--rows 200000]

then `manage.py load_grid --substations OUTDIR/substations.csv --feeders OUTDIR/feeders.csv
--transformers OUTDIR/transformers.csv --mv-users OUTDIR/mv_users.csv` and
`manage.py import_interruptions OUTDIR/interruptions.csv`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from pathlib import Path

COUNTIES = ["522601", "522622", "522623"]
AREAS = ["central", "urban", "town", "rural"]
USERS_PER_FEEDER = 50


def write(out: Path, n_users: int, n_rows: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    n_feeders = max(1, n_users // USERS_PER_FEEDER)
    with (out / "substations.csv").open("w", encoding="utf-8") as f:
        f.write("code,name,county,voltage_kv\n")
        f.writelines(f"S{c},{c} 110kV 站,{c},110\n" for c in COUNTIES)
    with (out / "feeders.csv").open("w", encoding="utf-8") as f:
        f.write("code,name,substation,county,area_class,rated_capacity_kva\n")
        for i in range(n_feeders):
            c = COUNTIES[i % len(COUNTIES)]
            f.write(f"F{i},10kV {i} 线,S{c},{c},{AREAS[i % len(AREAS)]},8000\n")
    with (
        (out / "transformers.csv").open("w", encoding="utf-8") as t,
        (out / "mv_users.csv").open("w", encoding="utf-8") as m,
    ):
        t.write("code,name,feeder,ownership,capacity_kva,county,area_class\n")
        m.write("user_id,kind,feeder,transformer,county,area_class,in_service_from,in_service_to\n")
        for u in range(n_users):
            i = min(u // USERS_PER_FEEDER, n_feeders - 1)
            c, area = COUNTIES[i % len(COUNTIES)], AREAS[i % len(AREAS)]
            t.write(f"T{u},{u} 号公变,F{i},public,400,{c},{area}\n")
            m.write(f"T{u},public_transformer,F{i},T{u},{c},{area},,\n")
    start_of_year = dt.datetime(2026, 1, 1)
    with (out / "interruptions.csv").open("w", encoding="utf-8") as f:
        f.write("event_id,user_id,start,end,kind,cause\n")
        for r in range(n_rows):
            start = start_of_year + dt.timedelta(seconds=rng.randrange(365 * 86400))
            end = start + dt.timedelta(seconds=rng.randrange(60, 8 * 3600))
            kind = rng.choice(["planned", "fault"])
            cause = rng.choice(["internal", "external", "rationing"])
            f.write(f"E{r // 20},T{rng.randrange(n_users)},{start.isoformat()},{end.isoformat()},{kind},{cause}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    write(args.out, args.users, args.rows)


if __name__ == "__main__":
    main()
