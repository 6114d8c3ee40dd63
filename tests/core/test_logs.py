"""With DEBUG off, an unhandled exception leaves a line on stderr naming the request (method,
path, user id) and the traceback, and no personal data: no query string, no request body."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

from django.conf import settings

from tests.conftest import client_for

PHONE = "13812345678"


def test_a_500_is_logged_with_its_request_and_without_personal_data(settings, cm, caplog):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.core.boom_urls"
    client = client_for(cm)
    client.raise_request_exception = False
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.post(f"/boom/?phone={PHONE}", {"id_number": "522601199001011234"})
    assert response.status_code == 500
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info and record.exc_info[0] is RuntimeError
    # The formatter the settings give the console handler:
    formatter = logging.getLogger("django").handlers[0].formatter
    line = formatter.format(record)
    assert f"method=POST path=/boom/ user={cm.pk}" in line
    assert "RuntimeError: the view failed" in line  # the traceback follows
    assert PHONE not in line and "522601199001011234" not in line and "phone=" not in line


def test_the_line_goes_to_stderr_in_production_settings(tmp_path):
    script = (
        "import django; django.setup()\n"
        "from django.test import Client, override_settings\n"
        "with override_settings(ROOT_URLCONF='tests.core.boom_urls'):\n"
        f"    r = Client(raise_request_exception=False).get('/boom/?phone={PHONE}')\n"
        "print(r.status_code)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "bandian.settings",
        "DEBUG": "false",
        "SECRET_KEY": "x" * 60,
        "APPLICANT_ID_KEY": "k" * 32,
        "ALLOWED_HOSTS": "testserver",
        "SECURE_COOKIES": "false",
        "CACHE_DIR": str(tmp_path / "cache"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.stdout.strip() == "500", done.stderr
    assert "Internal Server Error: /boom/ [method=GET path=/boom/ user=-]" in done.stderr
    assert "RuntimeError: the view failed" in done.stderr
    assert PHONE not in done.stderr
