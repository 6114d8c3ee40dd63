"""HTTP load: gunicorn with 2 sync workers serving bench.settings, driven by wrk on loopback.

Requests only ever go to 127.0.0.1, are bounded by wrk's duration, and stop by themselves.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).with_name("load.lua")


@dataclass(frozen=True)
class LoadResult:
    name: str
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    # Server CPU (gunicorn workers and their PostgreSQL backends) per request: unlike the rate,
    # this hardly depends on what else the machine is doing.
    cpu_ms: float | None = None

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Server:
    base: str
    pid: int


@contextlib.contextmanager
def gunicorn(*, workers: int = 2) -> Iterator[Server]:
    """Serve bench.settings on a free loopback port; yield it; stop the server after."""
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "PYTHONPATH": str(ROOT)}
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in the finally below)
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "bandian.wsgi:application",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--backlog",
            "512",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/bench/noop", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError("gunicorn did not start:\n" + log.read().decode(errors="replace")) from None
                time.sleep(0.2)
        yield Server(base, proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def server_pids(gunicorn_pid: int, backends: Callable[[], list[int]] | None) -> list[int]:
    """The gunicorn workers and (when known) the database backends serving them."""
    return _children(gunicorn_pid) + (backends() if backends else [])


def check(url: str) -> bytes:
    """One request, which must answer 200 (a benchmark of error pages would flatter)."""
    with urllib.request.urlopen(url, timeout=5) as response:
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}")
        return bytes(response.read())


def wrk(
    name: str,
    base: str,
    paths: list[str],
    *,
    seconds: int,
    connections: int,
    threads: int,
    warmup: int = 3,
    pids: Callable[[], list[int]] | None = None,
) -> LoadResult:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed: run `make system-deps` (Debian package wrk)")
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("\n".join(paths) + "\n")
        paths_file = f.name
    env = {**os.environ, "BENCH_PATHS": paths_file}
    try:
        if warmup:
            subprocess.run(
                ["wrk", "-t1", "-c2", f"-d{warmup}s", "-s", str(LUA), base],
                env=env,
                check=True,
                capture_output=True,
            )
        watched = pids() if pids else []
        cpu_before = _cpu_seconds(watched)
        out = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "5s",
                "-s",
                str(LUA),
                base,
            ],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        cpu = _cpu_seconds(watched) - cpu_before
    finally:
        os.unlink(paths_file)
    line = next(line for line in out.splitlines() if line.startswith("BENCH "))
    figures = json.loads(line[len("BENCH ") :])
    errors = sum(v for k, v in figures.items() if k.startswith("errors_"))
    return LoadResult(
        name=name,
        requests=figures["requests"],
        seconds=figures["duration_us"] / 1e6,
        errors=errors,
        p50_ms=figures["p50_us"] / 1000,
        p90_ms=figures["p90_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        max_ms=figures["max_us"] / 1000,
        cpu_ms=cpu * 1000 / figures["requests"] if watched and figures["requests"] else None,
    )
