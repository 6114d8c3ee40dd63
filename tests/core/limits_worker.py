"""One of several processes hammering a limit, for tests/core/test_shared_limits.py.

usage: python -m tests.core.limits_worker progress|sms <process number> <requests> <ready file> <go file>
Prints a JSON object: the number of requests that got each status code.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bandian.settings")
django.setup()

from django.test import Client  # noqa: E402


def main() -> None:
    mode, number, requests, ready, go = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
    client = Client(REMOTE_ADDR="203.0.113.7")
    client.get("/accounts/register/")  # warm up: imports, the policy, the first connection
    Path(ready).touch()
    deadline = time.monotonic() + 30
    while not Path(go).exists() and time.monotonic() < deadline:
        time.sleep(0.005)
    statuses: Counter[int] = Counter()
    for i in range(requests):
        if mode == "progress":
            # A number that does not exist: every answer is a wrong one.
            response = client.get("/api/v1/applications/progress", {"no": "QDN-2026-999999", "phone_last4": f"{i:04d}"})
        else:
            # Codes for different phones, all from one address.
            response = client.post("/accounts/register/", {"phone": f"139{number:02d}{i:06d}"})
        statuses[response.status_code] += 1
    print(json.dumps(statuses))


if __name__ == "__main__":
    main()
