"""`manage.py demo` without the CJK font: a clear message, the rest loads, a second run completes it."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bandian.applications.models import Application
from bandian.demo import applications as demo
from bandian.grid.models import Feeder
from bandian.permits.models import ApprovalCase
from tests.demo.conftest import at_demo_now


@pytest.fixture(autouse=True)
def _demo_now() -> Iterator[None]:
    with at_demo_now():
        yield


@pytest.mark.django_db
def test_a_missing_font_is_named_the_rest_loads_and_a_second_run_completes_the_approval_cases(settings, tmp_path):
    font = settings.CJK_FONT_FILE
    settings.CJK_FONT_FILE = str(tmp_path / "no-such-font.ttc")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match=r"run `manage\.py demo` again"):
        call_command("demo", "--size", "small", stdout=out, stderr=err)
    assert "fonts-wqy-zenhei" in err.getvalue() and "CJK_FONT_FILE" in err.getvalue()
    assert "no-such-font.ttc" in err.getvalue()
    assert "Traceback" not in err.getvalue() + out.getvalue()
    # Everything but the approval cases is there, and the logins are printed.
    assert Application.objects.exists() and Feeder.objects.exists()
    assert demo.ADMIN_USERNAME in out.getvalue() and demo.PASSWORD in out.getvalue()
    assert not ApprovalCase.objects.exists()
    applications = Application.objects.count()

    settings.CJK_FONT_FILE = font
    again = io.StringIO()
    call_command("demo", "--size", "small", stdout=again, stderr=io.StringIO())
    assert "Demo approval cases loaded" in again.getvalue()
    assert ApprovalCase.objects.exists()
    assert ApprovalCase.objects.exclude(document="").exists()  # the combined PDFs were drawn
    assert Application.objects.count() == applications  # the other parts were not loaded twice


@pytest.mark.django_db
def test_manage_py_check_warns_naming_the_package_and_the_setting(settings, tmp_path):
    settings.CJK_FONT_FILE = str(tmp_path / "no-such-font.ttc")
    err = io.StringIO()
    call_command("check", stdout=io.StringIO(), stderr=err)
    assert "permits.W001" in err.getvalue()
    assert "fonts-wqy-zenhei" in err.getvalue() and "CJK_FONT_FILE" in err.getvalue()
