"""Contracts: a signing key of the tests' own (a self-made CA and certificate, written to the
test's folder and named by the settings), and applications at their signing step."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from bandian.applications import services as app_services
from bandian.applications.contracts import services
from bandian.applications.contracts.models import Contract
from bandian.applications.contracts.signing import forget_signer, make_certificates, pkcs12_bytes
from bandian.notify.models import Message
from tests.conftest import submitted

P12_PASSWORD = "test-p12-password"


@dataclass(frozen=True)
class KeyMaterial:
    ca: x509.Certificate
    key: rsa.RSAPrivateKey
    cert: x509.Certificate


@cache
def key_material(name: str) -> KeyMaterial:
    """Generated once per test process per name (RSA key generation is the slow part)."""
    _ca_key, ca, key, cert = make_certificates(
        ca_name=f"TEST {name} CA", signer_name=f"TEST {name} signer", not_before=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    return KeyMaterial(ca, key, cert)


@pytest.fixture
def signing(settings, tmp_path) -> Iterator[KeyMaterial]:
    """The utility's key for this test: CONTRACT_SIGNING_P12 names a PKCS#12 file in tmp_path."""
    material = key_material("utility")
    path = tmp_path / "signing.p12"
    path.write_bytes(pkcs12_bytes(material.key, material.cert, [material.ca], P12_PASSWORD))
    settings.CONTRACT_SIGNING_P12 = str(path)
    settings.CONTRACT_SIGNING_P12_PASSWORD = P12_PASSWORD
    settings.CONTRACT_TRUST_ROOTS = ""
    settings.CONTRACT_TRUSTED_CERTS = ""
    settings.TSA_URL = ""
    forget_signer()
    yield material
    forget_signer()


def at_signing_step(applicant, county, customer_class: str = "residential", **kw):
    """A submitted application with its contract drawn (as the step's commit draws it)."""
    app = submitted(applicant, county, customer_class, **kw)
    if customer_class.startswith("hv"):
        app_services.stage_complete(application=app, stage="apply", actor=app.customer_manager)
        app.refresh_from_db()
    services.contract_draw_if_due(app.pk)
    return app


def last_code(phone: str) -> str:
    message = Message.objects.filter(phone=phone, subject="合同签订验证码").order_by("-pk").first()
    assert message is not None, "no signing code was sent"
    found = re.search(r"验证码 (\d{6})", message.body)
    assert found
    return found.group(1)


def contract_of(app) -> Contract:
    return Contract.objects.get(application=app)


__all__ = ["P12_PASSWORD", "at_signing_step", "contract_of", "key_material", "last_code"]
