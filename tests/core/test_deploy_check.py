"""`manage.py check --deploy` passes clean with the production settings of docs/operations.md."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings

# The variables docs/operations.md §1 and §9 list (the database and the paths aside).
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "q7Rk2vN9xW4mZp8sLt3yHc6bJf1dGa5eUo0iXn-QrVw_KsTj8LmPzYb2",
    "APPLICANT_ID_KEY": "shared-with-the-supervisors-Zr8Kq2Lm",
    "ALLOWED_HOSTS": "bandian.example.cn",
    "CSRF_TRUSTED_ORIGINS": "https://bandian.example.cn",
    "TRUSTED_PROXIES": "127.0.0.1",
}


def _check(tmp_path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST")) and k not in PRODUCTION}
    env.pop("SECURE_COOKIES", None)
    env |= (
        PRODUCTION
        | extra
        | {
            "DJANGO_SETTINGS_MODULE": "bandian.settings",
            "CACHE_DIR": str(tmp_path / "cache"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        }
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_in_production_settings(tmp_path):
    done = _check(tmp_path)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "System check identified no issues" in done.stdout
    assert "WARNINGS" not in done.stderr


def test_without_https_check_deploy_says_what_is_missing(tmp_path):
    done = _check(tmp_path, SECURE_COOKIES="false")
    assert done.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in done.stderr
