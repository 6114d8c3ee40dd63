"""The limits hold across processes: two processes (as two gunicorn workers would be) share the
default cache, and together get no more than the limit (issue 9.4)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from bandian.accounts.services import CODES_PER_CLIENT_HOUR
from bandian.applications.progress import PROGRESS_FAILURES_PER_NUMBER

PROCESSES = 2


@pytest.fixture(scope="module")
def environment(tmp_path_factory) -> dict[str, str]:
    """A migrated SQLite file and the default cache in a fresh directory; no REDIS_URL."""
    where = tmp_path_factory.mktemp("shared")
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CACHE_DIR", "DATABASE_URL"}}
    env |= {
        "DATABASE_URL": f"sqlite:///{where / 'db.sqlite3'}",
        "CACHE_DIR": str(where / "cache"),
        "DJANGO_SETTINGS_MODULE": "bandian.settings",
        "TASKS_BACKEND": "immediate",
        "SMS_GATEWAY_URL": "",
        "PASSWORD_HASHERS": "django.contrib.auth.hashers.MD5PasswordHasher",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"], cwd=settings.BASE_DIR, env=env, check=True
    )
    return env


def _run(env: dict[str, str], mode: str, requests: int, tmp_path: Path) -> list[dict[str, int]]:
    env = env | {"CACHE_DIR": str(tmp_path / "cache")}
    go = tmp_path / "go"
    ready = [tmp_path / f"ready-{n}" for n in range(PROCESSES)]
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.core.limits_worker", mode, str(n), str(requests), str(ready[n]), str(go)],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(PROCESSES)
    ]
    deadline = time.monotonic() + 60
    while not all(r.exists() for r in ready) and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()  # both start together
    results = []
    for worker in workers:
        out, _ = worker.communicate(timeout=60)
        assert worker.returncode == 0
        results.append({int(k): v for k, v in json.loads(out.strip().splitlines()[-1]).items()})
    return results


def test_wrong_progress_answers_are_counted_once_for_all_processes(environment, tmp_path):
    results = _run(environment, "progress", 25, tmp_path)
    evaluated = sum(r.get(404, 0) for r in results)
    refused = sum(r.get(429, 0) for r in results)
    assert evaluated + refused == PROCESSES * 25
    # Checked before and counted after the lookup: at most one guess per other process in flight.
    assert PROGRESS_FAILURES_PER_NUMBER <= evaluated <= PROGRESS_FAILURES_PER_NUMBER + PROCESSES - 1
    assert all(r.get(429, 0) > 0 for r in results)  # each process saw the other's failures


def test_sms_codes_from_one_address_stop_at_the_limit_across_processes(environment, tmp_path):
    results = _run(environment, "sms", 10, tmp_path)
    sent = sum(r.get(302, 0) for r in results)  # a sent code redirects to the verification step
    refused = sum(r.get(200, 0) for r in results)  # the form again, with the refusal
    assert sent == CODES_PER_CLIENT_HOUR and refused == PROCESSES * 10 - CODES_PER_CLIENT_HOUR
