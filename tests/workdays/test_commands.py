"""`manage.py workdays load|add|between|show` as an operator uses them."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from bandian.workdays.management.commands.workdays import Command
from bandian.workdays.models import CalendarYear, SpecialDay
from bandian.workdays.selectors import get_calendar

SAMPLE = Path(settings.BASE_DIR) / "data" / "calendar" / "sample-2027.toml"

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("workdays", *args, stdout=out)
    return out.getvalue().strip()


def write(tmp_path: Path, text: str, name: str = "year.toml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_add_counts_working_days_over_national_day():
    assert run("add", "2026-09-30", "5") == "2026-10-13"
    assert run("add", "2026-09-30", "1") == "2026-10-08"


def test_add_with_negative_n_counts_back():
    assert run("add", "2026-10-08", "-1") == "2026-09-30"
    assert run("add", "2026-10-12", "-2") == "2026-10-09"


def test_between_counts_both_ends():
    assert run("between", "2026-09-28", "2026-10-11") == "6"  # Sep 28–30, Oct 8, 9 and Saturday Oct 10
    assert run("between", "2026-10-01", "2026-10-01") == "0"
    assert run("between", "2026-10-10", "2026-10-10") == "1"


def test_between_refuses_b_before_a():
    with pytest.raises(CommandError, match="before"):
        run("between", "2026-10-11", "2026-09-28")


def test_show_lists_holidays_and_makeup_days():
    out = run("show", "2026")
    assert "2026-10-01 – 2026-10-07" in out
    assert "National Day (7 days)" in out
    assert "2026-10-10 Sat" in out
    assert "Working days in 2026:" in out


def test_a_missing_year_is_named_and_the_command_fails():
    with pytest.raises(CommandError, match="2027"):
        run("add", "2026-12-20", "20")
    with pytest.raises(CommandError, match="2027"):
        run("between", "2026-12-01", "2027-01-10")
    with pytest.raises(CommandError, match="2030"):
        run("show", "2030")
    with pytest.raises(CommandError, match="2003"):
        run("add", "2004-01-05", "-10")


def test_a_missing_year_exits_non_zero_from_the_command_line(capsys):
    with pytest.raises(SystemExit) as exited:
        Command().run_from_argv(["manage.py", "workdays", "add", "2026-12-20", "20"])
    assert exited.value.code != 0
    assert "2027" in capsys.readouterr().err


def test_bad_arguments_get_a_clear_error():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("add", "30/09/2026", "5")
    with pytest.raises(CommandError, match="whole number"):
        run("add", "2026-09-30", "five")


def test_loading_the_sample_adds_the_year():
    out = run("load", str(SAMPLE))
    assert out.startswith("Loaded 2027")
    assert CalendarYear.objects.get(year=2027).source.startswith("SAMPLE")
    assert SpecialDay.objects.get(date=dt.date(2027, 10, 9)).kind == SpecialDay.Kind.MAKEUP
    # The new year is used at once, in this process, across the year boundary.
    assert run("add", "2026-12-31", "1") == "2027-01-04"
    assert run("between", "2027-10-01", "2027-10-10") == "2"  # Oct 8 (Fri) and make-up Sat Oct 9
    shown = run("show", "2027")
    assert "2027-10-01 – 2027-10-07   国庆节 (7 days)" in shown
    assert "2027-09-26 Sun   国庆节" in shown


def test_loading_a_year_again_replaces_it(tmp_path):
    run("load", str(SAMPLE))
    path = write(
        tmp_path,
        'year = 2027\nsource = "国办发明电〔2026〕99号"\n\n[[holidays]]\nname = "国庆节"\n'
        "dates = [{ from = 2027-10-01, to = 2027-10-05 }]\nmakeup = [2027-10-09]\n",
    )
    assert run("load", path).startswith("Replaced 2027")
    assert CalendarYear.objects.get(year=2027).source == "国办发明电〔2026〕99号"
    assert not SpecialDay.objects.filter(date=dt.date(2027, 2, 6)).exists()
    assert not SpecialDay.objects.filter(date=dt.date(2027, 10, 7)).exists()
    assert SpecialDay.objects.filter(date__year=2027).count() == 6
    assert get_calendar().is_working_day(dt.date(2027, 10, 7))
    assert SpecialDay.objects.filter(date__year=2026).count() == 39  # other years untouched


def test_reloading_a_seeded_year_replaces_it(tmp_path):
    path = write(tmp_path, 'year = 2026\nsource = "test"\n[[holidays]]\nname = "x"\ndates = [2026-10-01]\n')
    run("load", path)
    assert SpecialDay.objects.filter(date__year=2026).count() == 1
    assert get_calendar().is_working_day(dt.date(2026, 10, 2))


BROKEN = {
    "date outside the year": (
        'year = 2027\nsource = "s"\n[[holidays]]\nname = "元旦"\ndates = [2026-12-31, 2027-01-01]\n',
        "holidays[0] (元旦).dates: 2026-12-31 is not in 2027",
    ),
    "make-up on a weekday": (
        'year = 2027\nsource = "s"\n[[holidays]]\nname = "春节"\ndates = [2027-02-08]\nmakeup = [2027-02-15]\n',
        "holidays[0] (春节).makeup: 2027-02-15 is a Monday",
    ),
    "duplicate holiday": (
        'year = 2027\nsource = "s"\n[[holidays]]\nname = "a"\ndates = [2027-05-03]\n'
        '[[holidays]]\nname = "b"\ndates = [{ from = 2027-05-01, to = 2027-05-04 }]\n',
        "holidays[1] (b).dates: 2027-05-03 is given twice (first at holidays[0] (a).dates)",
    ),
    "make-up also a holiday": (
        'year = 2027\nsource = "s"\n[[holidays]]\nname = "a"\ndates = [2027-05-01]\nmakeup = [2027-05-01]\n',
        "holidays[0] (a).makeup: 2027-05-01 is given twice",
    ),
    "date as a string": (
        'year = 2027\nsource = "s"\n[[holidays]]\nname = "a"\ndates = ["2027-05-01"]\n',
        "holidays[0] (a).dates[0]: '2027-05-01' is a string",
    ),
    "range backwards": (
        'year = 2027\nsource = "s"\n[[holidays]]\nname = "a"\ndates = [{ from = 2027-05-05, to = 2027-05-01 }]\n',
        "holidays[0] (a).dates[0]: 'to' (2027-05-01) is before 'from' (2027-05-05)",
    ),
    "missing source": ('year = 2027\n[[holidays]]\nname = "a"\ndates = [2027-05-01]\n', "source: missing"),
    "missing year": ('source = "s"\n[[holidays]]\nname = "a"\ndates = [2027-05-01]\n', "year: missing"),
    "year not a number": ('year = "2027"\nsource = "s"\n[[holidays]]\nname = "a"\ndates = [2027-05-01]\n', "year:"),
    "unknown key": (
        'year = 2027\nsource = "s"\n[[holidays]]\nname = "a"\ndays = [2027-05-01]\n',
        "holidays[0].days: unknown key",
    ),
    "no holidays": ('year = 2027\nsource = "s"\n', "holidays: missing"),
    "not TOML": ("year = = 2027\n", "not valid TOML"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_file_is_refused_naming_the_key_and_nothing_is_loaded(tmp_path, case):
    text, expected = BROKEN[case]
    with pytest.raises(CommandError) as refused:
        run("load", write(tmp_path, text))
    assert expected in str(refused.value)
    assert "nothing loaded" in str(refused.value)
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not SpecialDay.objects.filter(date__year=2027).exists()


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run("load", str(tmp_path / "nope.toml"))


def test_a_broken_reload_keeps_the_year_held(tmp_path):
    run("load", str(SAMPLE))
    with pytest.raises(CommandError):
        run("load", write(tmp_path, 'year = 2027\nsource = "s"\n[[holidays]]\nname = "a"\ndates = [2028-01-01]\n'))
    assert SpecialDay.objects.filter(date__year=2027).count() == 35


def test_a_problem_gives_the_line_of_its_key(tmp_path):
    text = 'year = 2027\nsource = "s"\n\n[[holidays]]\nname = "春节"\ndates = [2027-02-08]\nmakeup = [2027-02-15]\n'
    with pytest.raises(CommandError) as refused:
        run("load", write(tmp_path, text))
    assert "holidays[0] (春节).makeup: 2027-02-15 is a Monday" in str(refused.value)
    assert "Saturday or Sunday (line 7)" in str(refused.value)


def test_a_dry_run_validates_and_writes_nothing():
    out = run("load", "--dry-run", str(SAMPLE))
    assert "is valid: 2027" in out
    assert "Nothing written" in out
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_loading_the_sample_warns_that_it_is_a_sample():
    err = io.StringIO()
    call_command("workdays", "load", str(SAMPLE), stdout=io.StringIO(), stderr=err)
    assert "SAMPLE, not the official arrangement" in err.getvalue()
