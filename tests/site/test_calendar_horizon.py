"""The calendar's horizon: from [calendar] warn_days (60) before the last day the working-day
calendar holds, staff, supervisor and admin pages show a banner naming the missing year and the
command; `manage.py check` warns; GET /healthz reports it. The seeded calendar ends 2026-12-31."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django_tasks import task

from bandian.accounts.models import Role
from bandian.core.time import SHANGHAI
from bandian.workdays.services import calendar_year_load, read_arrangement
from tests.conftest import client_for, make_user

pytestmark = pytest.mark.django_db

SAMPLE_2027 = Path(settings.BASE_DIR) / "data" / "calendar" / "sample-2027.toml"


def at(day: str, hour: int = 10):
    return time_machine.travel(dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI), tick=False)


def banner(client: Client, url: str) -> str:
    html = client.get(url).content.decode()
    if 'id="calendar-horizon"' not in html:
        return ""
    return html.split('id="calendar-horizon"')[1].split("</div>")[0]


@pytest.fixture
def department_user(db):
    return make_user("dept-x", Role.DEPARTMENT)


def test_staff_supervisors_and_admins_see_the_banner_from_60_days_before_the_end(
    cm, counter, supervisor, admin_user, alice, department_user
):
    with at("2026-10-31"):  # 61 days before 2026-12-31: not yet
        assert banner(client_for(cm), "/applications/queue/") == ""
    with at("2026-11-01"):  # 60 days before
        for user, url in [
            (cm, "/applications/queue/"),
            (counter, "/"),
            (supervisor, "/supervision/compliance/"),
            (admin_user, "/policy/"),
        ]:
            shown = banner(client_for(user), url)
            assert "2026-12-31" in shown and "还剩 60 天" in shown and "缺少 2027 年" in shown, (user, url)
            assert "manage.py workdays load FILE" in shown
        # Applicants, departments and visitors are not asked to load calendars.
        assert banner(client_for(alice), "/applications/") == ""
        assert banner(client_for(department_user), "/") == ""
        assert banner(Client(), "/") == ""


def english_client(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def test_the_banner_speaks_english_and_says_when_the_calendar_has_run_out(cm):
    with at("2026-12-01"):
        shown = banner(english_client(cm), "/applications/queue/")
        assert "ends on 2026-12-31 (30 days left) and lacks 2027" in shown
    with at("2027-01-04"):
        assert "ended on 2026-12-31 and no clock can run" in banner(english_client(cm), "/")


def test_loading_the_next_year_removes_the_banner(cm):
    with at("2026-12-01"):
        assert "2027" in banner(client_for(cm), "/")
        calendar_year_load(arrangement=read_arrangement(SAMPLE_2027))
        assert banner(client_for(cm), "/") == ""


def test_a_changed_policy_moves_the_warning(settings, tmp_path, cm):
    from bandian.policy.loader import active_policy

    policy = Path(settings.BASE_DIR) / "policies" / "qiandongnan-2021.toml"
    path = tmp_path / "p.toml"
    path.write_text(policy.read_text(encoding="utf-8").replace("warn_days = 60", "warn_days = 90"), encoding="utf-8")
    settings.POLICY_FILE = path
    active_policy.cache_clear()
    try:
        with at("2026-10-02"):  # 90 days before
            assert "还剩 90 天" in banner(client_for(cm), "/")
    finally:
        active_policy.cache_clear()


def check_output() -> str:
    err = io.StringIO()
    call_command("check", stdout=io.StringIO(), stderr=err)
    return err.getvalue()


def test_manage_py_check_warns_the_same():
    with at("2026-10-31"):
        assert "workdays.W001" not in check_output()
    with at("2026-12-01"):
        out = check_output()
        assert "workdays.W001" in out
        assert "ends on 2026-12-31 (30 days left), 2027 is missing" in out
        assert "manage.py workdays load FILE" in out


def test_healthz_reports_the_calendar_without_login():
    with at("2026-10-01"):
        response = Client().get("/healthz")
        assert response.status_code == 200 and response["Content-Type"] == "application/json"
        assert response.json() == {
            "database": "ok",
            "calendar_last_day": "2026-12-31",
            "calendar_days_left": 91,
            "oldest_queued_task_age_seconds": None,
            "warnings": [],
        }
    with at("2026-12-01"):
        body = Client().get("/healthz").json()
        assert body["calendar_days_left"] == 30
        assert len(body["warnings"]) == 1 and "2027 is missing" in body["warnings"][0]
        assert "manage.py workdays load FILE" in body["warnings"][0]


def test_healthz_only_answers_reads():
    assert Client().post("/healthz").status_code == 405


@task()
def waiting_task() -> None:
    """Queued by the test below; no worker runs it."""


def test_healthz_reports_the_age_of_the_oldest_queued_task(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with at("2026-10-01", hour=9):
        waiting_task.enqueue()
    with at("2026-10-01", hour=10):
        waiting_task.enqueue()
        assert Client().get("/healthz").json()["oldest_queued_task_age_seconds"] == 3600.0


def test_healthz_answers_503_when_the_database_cannot_be_reached():
    code = (
        "import django, json; django.setup()\n"
        "from django.test import Client\n"
        "r = Client().get('/healthz')\n"
        "print(json.dumps({'status': r.status_code, 'body': r.json()}))\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bandian.settings",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/bandian_unreachable",  # nothing listens on port 1
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 503
    assert answer["body"]["database"] == "unreachable"
    assert answer["body"]["calendar_last_day"] is None
    assert answer["body"]["warnings"] == ["the database cannot be reached"]
