"""`manage.py demo` on a fresh database: loads once, leaves other data alone, refuses bad options."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from bandian.accounts.models import User
from bandian.applications.models import Application, Event
from bandian.core.time import SHANGHAI
from bandian.demo import applications as demo
from bandian.policy.loader import active_policy
from bandian.workdays.selectors import get_calendar
from tests.conftest import submitted
from tests.demo.conftest import at_demo_now


def run_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _demo_now() -> Iterator[None]:
    with at_demo_now():
        yield


@pytest.mark.django_db
def test_a_second_run_adds_nothing_and_prints_the_logins_again():
    first = run_demo("--size", "40")
    assert "Demo data loaded" in first
    counts = (User.objects.count(), Application.objects.count(), Event.objects.count())
    again = run_demo("--size", "40")
    assert "loaded already" in again
    assert demo.APPLICANT_USERNAME in again and demo.PASSWORD in again
    assert (User.objects.count(), Application.objects.count(), Event.objects.count()) == counts


@pytest.mark.django_db
def test_it_leaves_a_database_with_other_applications_alone(alice, kaili):
    submitted(alice, kaili)
    out = run_demo("--size", "small")
    assert "not demo data" in out
    assert Application.objects.count() == 1
    assert not User.objects.filter(username=demo.ADMIN_USERNAME).exists()


@pytest.mark.django_db
def test_a_taken_username_stops_it_with_a_clear_message_and_nothing_added(admin_user):
    out = run_demo("--size", "small")
    assert "usernames taken by users that are not demo users: admin" in out
    assert demo.PASSWORD not in out  # the logins would not work: none are printed
    assert not Application.objects.exists()
    assert User.objects.count() == 1


def test_a_bad_size_is_refused_with_a_clear_message():
    with pytest.raises(CommandError, match="--size"):
        run_demo("--size", "huge")


@pytest.mark.django_db
def test_the_records_are_the_same_every_time_and_numbered_once():
    policy, cal = active_policy(), get_calendar()
    first = [r.record for r in demo.generate(policy=policy, cal=cal, size=60)]
    second = [r.record for r in demo.generate(policy=policy, cal=cal, size=60)]
    assert first == second
    assert len({r["no"] for r in first}) == len(first)


@pytest.mark.django_db
def test_it_fails_naming_the_year_the_calendar_lacks_and_keeps_nothing():
    # Open demo applications are derived against the present: in 2027 the calendar needs 2027.
    with time_machine.travel(dt.datetime(2027, 2, 1, 9, 0, tzinfo=SHANGHAI)), pytest.raises(CommandError, match="2027"):
        run_demo("--size", "40")
    assert not Application.objects.exists()
    assert not User.objects.exists()
