"""Identity numbers are stored as keyed references (HMAC-SHA-256 under APPLICANT_ID_KEY)."""

from __future__ import annotations

import hashlib
import hmac
import importlib
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps

from bandian.applications import services
from bandian.applications.importer import RecordError, validate_record
from bandian.core.identity import applicant_ref
from bandian.policy.loader import active_policy
from tests.conftest import make_user, pdf_upload
from tests.importer.conftest import sample

NUMBER = "52260119900101123x"
ROOT = Path(__file__).resolve().parents[2]


def upload_all(app, clerk) -> None:
    for kind in active_policy().classes[app.customer_class].documents:
        services.document_upload(application=app, kind=kind, upload=pdf_upload(), actor=clerk)


def at_counter(clerk, county, *, id_number: str = "", address: str = "凯里市北京东路 1 号"):
    return services.application_create(
        actor=clerk,
        customer_class="residential",
        county=county,
        urban=True,
        address=address,
        capacity_kw=Decimal("8"),
        voltage_kv=Decimal("0.22"),
        applicant_name="王五",
        phone="13800000000",
        id_number=id_number,
        channel="counter",
    )


def test_the_reference_is_the_hmac_of_the_normalised_number_under_the_key(settings):
    settings.APPLICANT_ID_KEY = "shared-by-utility-and-supervisors"
    expected = hmac.new(b"shared-by-utility-and-supervisors", NUMBER.upper().encode(), hashlib.sha256).hexdigest()
    assert applicant_ref(f"  {NUMBER} ") == expected
    assert applicant_ref(NUMBER) != hashlib.sha256(NUMBER.upper().encode()).hexdigest()
    settings.APPLICANT_ID_KEY = "another-key"
    assert applicant_ref(NUMBER) != expected
    assert applicant_ref("  ") == ""


def test_a_counter_application_stores_the_keyed_reference_and_restarts_are_still_found(kaili, counter, cm, pm):
    first = at_counter(counter, kaili, id_number=NUMBER)
    assert first.applicant_ref == applicant_ref(NUMBER)
    upload_all(first, counter)
    services.application_submit(application=first, actor=counter)
    services.application_withdraw(application=first, actor=counter, note="客户改期")
    again = at_counter(counter, kaili, id_number=f" {NUMBER.upper()}")
    upload_all(again, counter)
    services.application_submit(application=again, actor=counter)
    again.refresh_from_db()
    assert again.restart_of_id == first.pk


@pytest.mark.parametrize("value", [NUMBER, "522601199001011234", "not-a-hash"])
def test_the_importer_refuses_an_applicant_id_that_is_not_a_keyed_hash(db, value):
    with pytest.raises(RecordError, match="applicant_id: must be the HMAC-SHA-256"):
        validate_record(sample(applicant_id=value))


def test_the_migration_makes_the_stored_unkeyed_hashes_irreversible_and_they_still_match_each_other(
    settings, kaili, counter
):
    settings.APPLICANT_ID_KEY = "k"
    old = hashlib.sha256(NUMBER.upper().encode()).hexdigest()
    a = at_counter(counter, kaili)
    b = at_counter(counter, kaili, address="别处 2 号")
    user = make_user("13900000000", "applicant")
    type(a).objects.filter(pk__in=[a.pk, b.pk]).update(applicant_ref=old)
    type(user).objects.filter(pk=user.pk).update(applicant_ref=old)
    migration = importlib.import_module("bandian.applications.migrations.0004_keyed_applicant_refs")
    migration.rekey(apps, None)
    migration.rekey(apps, None)  # a value already re-keyed is left as it is
    a.refresh_from_db()
    b.refresh_from_db()
    user.refresh_from_db()
    expected = "legacy:" + hmac.new(b"k", old.encode(), hashlib.sha256).hexdigest()
    assert a.applicant_ref == b.applicant_ref == user.applicant_ref == expected
    assert old not in a.applicant_ref


def _manage_check(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("APPLICANT_ID_KEY", "DJANGO_SETTINGS_MODULE")}
    clean |= {"DEBUG": "false", "SECRET_KEY": "s" * 50, "DATABASE_URL": "sqlite:///:memory:"} | env
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_without_the_key_and_starts_with_it():
    refused = _manage_check()
    assert refused.returncode != 0
    assert "APPLICANT_ID_KEY must be set when DEBUG is off" in refused.stderr
    started = _manage_check(APPLICANT_ID_KEY="a-real-shared-key")
    assert started.returncode == 0, started.stderr
