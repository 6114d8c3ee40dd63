"""Drawing, signing by SMS code or on paper, and the utility's seal: each on the hash chain."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from bandian.applications import services as app_services
from bandian.applications.contracts import services
from bandian.applications.contracts.models import Contract, ContractState, SigningCode
from bandian.applications.contracts.signing import SigningUnavailable
from bandian.applications.enums import EventType
from bandian.applications.integrity import verify_all
from bandian.applications.models import Event
from bandian.core.errors import ServiceError, StateConflict
from tests.conftest import PNG, pdf_upload, submitted
from tests.contracts.conftest import at_signing_step, contract_of, last_code

pytestmark = pytest.mark.django_db


def test_low_voltage_contract_is_drawn_when_the_application_is_submitted(
    alice, kaili, staffed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        app = submitted(alice, kaili, "residential")
    contract = contract_of(app)
    assert contract.state == ContractState.DRAWN
    assert contract.template == "residential"
    data = contract.pdf.read()
    assert data.startswith(b"%PDF-") and hashlib.sha256(data).hexdigest() == contract.pdf_sha256


def test_high_voltage_contract_waits_for_the_plan_step(alice, kaili, staffed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        app = submitted(alice, kaili, "hv_single", capacity_kw=800)
    assert not Contract.objects.filter(application=app).exists()
    assert services.contract_draw_if_due(app.pk) is None
    with django_capture_on_commit_callbacks(execute=True):
        app_services.stage_complete(application=app, stage="apply", actor=app.customer_manager)
    assert contract_of(app).template == "hv_single"


def test_drawing_twice_or_too_early_is_refused(alice, kaili, staffed):
    app = at_signing_step(alice, kaili)
    with pytest.raises(StateConflict):
        services.contract_draw(application=app)
    hv = submitted(alice, kaili, "hv_dual", capacity_kw=900, address="凯里市 2 号")
    with pytest.raises(StateConflict):
        services.contract_draw(application=hv)


def test_the_applicant_signs_with_the_sms_code_and_the_chain_records_the_contracts_hash(
    alice, kaili, staffed, signing, django_capture_on_commit_callbacks
):
    app = at_signing_step(alice, kaili)
    services.contract_code_send(application=app, actor=alice)
    code = last_code(alice.phone)
    stored = SigningCode.objects.get()
    assert code not in stored.code_hash and len(stored.code_hash) == 64
    with django_capture_on_commit_callbacks(execute=True):  # the seal is queued after the commit
        services.contract_sign(application=app, code=code, actor=alice)
    contract = contract_of(app)
    signed = Event.objects.get(application=app, type=EventType.CONTRACT_SIGNED)
    assert signed.data["sha256"] == contract.pdf_sha256
    assert signed.data["channel"] == "sms"
    assert signed.actor == alice
    sealed = Event.objects.get(application=app, type=EventType.CONTRACT_SEALED)
    assert contract.state == ContractState.SEALED
    assert sealed.data["sha256"] == hashlib.sha256(contract.sealed_pdf.read()).hexdigest() == contract.sealed_sha256
    assert sealed.data["signed_sha256"] == contract.pdf_sha256
    assert verify_all() == []
    app.refresh_from_db()
    assert app.status == "in_progress" and app.current_stage == "apply"  # no step, no clock changed


def test_a_wrong_code_counts_an_attempt_and_changes_nothing(alice, kaili, staffed):
    app = at_signing_step(alice, kaili)
    services.contract_code_send(application=app, actor=alice)
    code = last_code(alice.phone)
    wrong = "000000" if code != "000000" else "111111"
    events = Event.objects.filter(application=app).count()
    with pytest.raises(ServiceError, match="还可尝试 4 次"):
        services.contract_sign(application=app, code=wrong, actor=alice)
    assert SigningCode.objects.get().attempts == 1
    assert contract_of(app).state == ContractState.DRAWN
    assert Event.objects.filter(application=app).count() == events


def test_five_wrong_codes_spend_the_code(alice, kaili, staffed):
    app = at_signing_step(alice, kaili)
    services.contract_code_send(application=app, actor=alice)
    code = last_code(alice.phone)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(ServiceError):
            services.contract_sign(application=app, code=wrong, actor=alice)
    with pytest.raises(ServiceError, match="错误次数过多"):
        services.contract_sign(application=app, code=code, actor=alice)
    assert contract_of(app).state == ContractState.DRAWN


def test_an_expired_code_is_refused(alice, kaili, staffed):
    app = at_signing_step(alice, kaili)
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC), tick=False):
        services.contract_code_send(application=app, actor=alice)
    code = last_code(alice.phone)
    with (
        time_machine.travel(dt.datetime(2026, 3, 2, 10, 11, tzinfo=dt.UTC), tick=False),
        pytest.raises(ServiceError, match="失效"),
    ):
        services.contract_sign(application=app, code=code, actor=alice)
    assert contract_of(app).state == ContractState.DRAWN


def test_a_second_code_within_a_minute_is_refused(alice, kaili, staffed):
    app = at_signing_step(alice, kaili)
    services.contract_code_send(application=app, actor=alice)
    with pytest.raises(ServiceError, match="60 秒"):
        services.contract_code_send(application=app, actor=alice)
    assert SigningCode.objects.count() == 1


def test_only_the_applicant_may_ask_for_or_use_a_code(alice, bob, kaili, staffed, counter):
    app = at_signing_step(alice, kaili)
    for outsider in (bob, counter, app.customer_manager):
        with pytest.raises(ServiceError):
            services.contract_code_send(application=app, actor=outsider)
    assert SigningCode.objects.count() == 0
    services.contract_code_send(application=app, actor=alice)
    with pytest.raises(ServiceError):
        services.contract_sign(application=app, code=last_code(alice.phone), actor=bob)
    assert contract_of(app).state == ContractState.DRAWN


def test_a_signed_contract_cannot_be_signed_again(alice, kaili, staffed):
    app = at_signing_step(alice, kaili)
    services.contract_code_send(application=app, actor=alice)
    services.contract_sign(application=app, code=last_code(alice.phone), actor=alice)
    with pytest.raises(StateConflict):
        services.contract_code_send(application=app, actor=alice)
    assert Event.objects.filter(application=app, type=EventType.CONTRACT_SIGNED).count() == 1


def test_the_counter_records_a_paper_signature_with_its_scan(alice, kaili, staffed, counter):
    app = at_signing_step(alice, kaili)
    services.contract_sign_paper(
        application=app, scan=SimpleUploadedFile("scan.png", PNG, content_type="image/png"), actor=counter
    )
    event = Event.objects.get(application=app, type=EventType.CONTRACT_SIGNED)
    assert event.data["channel"] == "paper"
    assert event.evidence_sha256 == hashlib.sha256(PNG).hexdigest()
    assert event.actor == counter
    assert contract_of(app).signed_channel == "paper"


def test_a_bad_scan_or_another_countys_clerk_is_refused_and_changes_nothing(alice, kaili, staffed, counter):
    from tests.conftest import make_user

    app = at_signing_step(alice, kaili)
    with pytest.raises(ServiceError, match="PDF、JPEG 或 PNG"):
        services.contract_sign_paper(
            application=app,
            scan=SimpleUploadedFile("scan.pdf", b"not a scan", content_type="application/pdf"),
            actor=counter,
        )
    elsewhere = make_user("counter-huangping", "counter", "522622")
    with pytest.raises(ServiceError):
        services.contract_sign_paper(application=app, scan=pdf_upload(), actor=elsewhere)
    assert contract_of(app).state == ContractState.DRAWN
    assert not Event.objects.filter(application=app, type=EventType.CONTRACT_SIGNED).exists()


def test_sealing_without_a_key_leaves_the_contract_signed(alice, kaili, staffed, settings, tmp_path):
    from bandian.applications.contracts.signing import forget_signer

    settings.CONTRACT_SIGNING_P12 = str(tmp_path / "missing.p12")
    forget_signer()
    app = at_signing_step(alice, kaili)
    services.contract_code_send(application=app, actor=alice)
    services.contract_sign(application=app, code=last_code(alice.phone), actor=alice)
    with pytest.raises(SigningUnavailable, match="signing_cert --demo"):
        services.contract_seal(application=app)
    assert contract_of(app).state == ContractState.SIGNED
    assert not Event.objects.filter(application=app, type=EventType.CONTRACT_SEALED).exists()


def test_a_withdrawn_application_cannot_sign(alice, kaili, staffed):
    app = at_signing_step(alice, kaili)
    app_services.application_withdraw(application=app, actor=alice, note="不装了")
    with pytest.raises(StateConflict):
        services.contract_code_send(application=app, actor=alice)
