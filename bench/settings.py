"""Settings for the benchmarks: bandian's own, on a database of their own, as in production.

The database is BENCH_DATABASE_URL (default: PostgreSQL database `bandian_bench` on this
machine), never DATABASE_URL, so a benchmark cannot touch the development, demo or test data.
It is configured by bandian's own settings code, as a deployment would be.
"""

import os

DEFAULT_BENCH_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bandian_bench"
BENCH_DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", DEFAULT_BENCH_DATABASE_URL)
os.environ["DATABASE_URL"] = BENCH_DATABASE_URL
os.environ.setdefault("CONN_MAX_AGE", "600")
os.environ["DEBUG"] = "false"
os.environ.setdefault("SECRET_KEY", "bench-only-not-secret-" + "x" * 40)
os.environ.setdefault("SECURE_COOKIES", "false")
os.environ.setdefault("APPLICANT_ID_KEY", "bench-only-applicant-id-key")

from bandian.settings import *  # noqa: E402, F403

ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
LOGGING = {"version": 1, "disable_existing_loggers": False}
