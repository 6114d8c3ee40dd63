"""With REDIS_URL set, the progress query's failed-guess counters live in Redis, so every
gunicorn worker and host counts the same guesses."""

from __future__ import annotations

import pytest
import redis
from django.core.cache import cache

from bandian.applications.progress import PROGRESS_FAILURES_PER_NUMBER
from tests.api.test_progress import progress
from tests.conftest import submitted

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def shared_cache(settings):
    server = redis.Redis.from_url(REDIS_URL)
    try:
        server.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    server.flushdb()
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    yield server
    server.flushdb()


def test_guesses_are_counted_in_redis_and_stopped_there(alice, kaili, cm, pm, shared_cache):
    app = submitted(alice, kaili)
    for n in range(PROGRESS_FAILURES_PER_NUMBER):
        assert progress(app.no, f"{9000 + n:04d}").status_code == 404

    # The counter is in Redis, where another process would read it...
    assert any(app.no.encode() in key for key in shared_cache.keys("*progress-fail*"))
    # ...and so the right digits are refused now, whichever process answers.
    assert progress(app.no, alice.phone[-4:]).status_code == 429
    cache.close()
