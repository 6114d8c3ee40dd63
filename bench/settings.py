"""Settings for the benchmarks: bandian's own, on a database of their own, as in production.

The database is BENCH_DATABASE_URL (default: PostgreSQL database `bandian_bench` on this
machine), never DATABASE_URL, so a benchmark cannot touch the development, demo or test data.
"""

import os

os.environ["DEBUG"] = "false"
os.environ.setdefault("SECRET_KEY", "bench-only-not-secret-" + "x" * 40)
os.environ.setdefault("SECURE_COOKIES", "false")

import dj_database_url

from bandian.settings import *  # noqa: F403
from bandian.settings import DATABASES

DEFAULT_BENCH_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bandian_bench"
BENCH_DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", DEFAULT_BENCH_DATABASE_URL)
_options = DATABASES["default"].get("OPTIONS", {})
DATABASES = {"default": dj_database_url.parse(BENCH_DATABASE_URL, conn_max_age=600)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = _options
ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
LOGGING = {"version": 1, "disable_existing_loggers": False}
