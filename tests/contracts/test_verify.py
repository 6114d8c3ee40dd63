"""Anyone checks a contract: signed, intact, trusted, and the very file the chain records."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from bandian.applications.contracts import services
from bandian.applications.contracts.signing import PyHankoRsaSigner, pkcs12_bytes
from bandian.applications.contracts.verify import NotAContract, verify_contract
from tests.conftest import client_for
from tests.contracts.conftest import at_signing_step, contract_of, key_material, last_code

pytestmark = pytest.mark.django_db

KEYS = {"signed", "intact", "trusted", "signer", "signed_at", "application_no", "matches_record"}


@pytest.fixture
def sealed(alice, kaili, staffed, signing):
    app = at_signing_step(alice, kaili, address="凯里市韶山南路 18 号")
    services.contract_code_send(application=app, actor=alice)
    services.contract_sign(application=app, code=last_code(alice.phone), actor=alice)
    services.contract_seal(application=app, at=dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC))
    contract = contract_of(app)
    return app, contract.sealed_pdf.read()


def test_the_sealed_contract_reads_back_with_its_chinese_text(sealed):
    app, data = sealed
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "低压居民供用电合同" in text
    assert "凯里市韶山南路" in text and "产权分界点" in text and "计量点" in text
    assert app.no in text


def test_the_sealed_contract_renders_in_a_pdf_viewer(sealed, tmp_path):
    # No skip: `make test` installs poppler-utils (make system-deps); its absence is a failure.
    assert shutil.which("pdftoppm"), "pdftoppm is missing: run `make system-deps` (apt-get install poppler-utils)"
    _app, data = sealed
    (tmp_path / "c.pdf").write_bytes(data)
    done = subprocess.run(
        ["pdftoppm", "-r", "40", "-png", str(tmp_path / "c.pdf"), str(tmp_path / "page")],
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages and all(p.stat().st_size > 2000 for p in pages)
    assert b"Syntax Error" not in done.stderr


def test_the_recorded_contract_is_signed_intact_trusted_and_matches(sealed):
    app, data = sealed
    result = verify_contract(data)
    assert result.signed and result.intact and result.trusted and result.matches_record
    assert result.application_no == app.no
    assert result.signer == "TEST utility signer"
    assert result.signed_at == dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


def test_one_byte_changed_is_not_intact(sealed):
    _app, data = sealed
    changed = bytearray(data)
    where = data.index(b"/Subject")  # inside the signed range
    changed[where + 10] ^= 0x01
    result = verify_contract(bytes(changed))
    assert result.signed and not result.intact and not result.trusted and not result.matches_record


def test_a_signature_by_another_certificate_is_not_trusted(sealed):
    app, _data = sealed
    other = key_material("impostor")
    impostor = PyHankoRsaSigner(pkcs12_bytes(other.key, other.cert, [other.ca], "x"), b"x")
    drawn = contract_of(app).pdf.read()
    forged = impostor.sign(drawn, at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC), stamp=services.stamp_for(app))
    result = verify_contract(forged)
    assert result.signed and result.intact
    assert not result.trusted
    assert not result.matches_record  # not the file the chain records
    assert result.signer == "TEST impostor signer"


def test_the_drawn_contract_is_recorded_but_unsigned(sealed):
    app, _data = sealed
    result = verify_contract(contract_of(app).pdf.read())
    assert not result.signed and not result.intact and not result.trusted
    assert result.matches_record


@pytest.mark.parametrize("content", [b"", b"hello, not a pdf", b"%PDF-1.7\n garbage"])
def test_bad_files_are_refused(content, signing):
    with pytest.raises(NotAContract):
        verify_contract(content)


def test_the_api_answers_exactly_the_seven_fields_without_login(sealed):
    app, data = sealed
    response = client_for(None).post(
        "/api/v1/public/contracts/verify", {"file": SimpleUploadedFile("c.pdf", data, content_type="application/pdf")}
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == KEYS
    assert body["application_no"] == app.no and body["trusted"] and body["matches_record"]
    assert app.applicant_name not in response.content.decode() and app.address not in response.content.decode()


@pytest.mark.parametrize(
    ("files", "status"),
    [
        ({"file": SimpleUploadedFile("x.pdf", b"not a pdf", content_type="application/pdf")}, 400),
        ({"file": SimpleUploadedFile("x.pdf", b"", content_type="application/pdf")}, 400),
        ({}, 422),
    ],
)
def test_the_api_refuses_bad_input(files, status, signing):
    response = client_for(None).post("/api/v1/public/contracts/verify", files)
    assert response.status_code == status
    assert "detail" in response.json()


def test_the_api_refuses_a_file_too_large(settings, signing):
    settings.DOCUMENT_MAX_BYTES = 1000
    response = client_for(None).post(
        "/api/v1/public/contracts/verify",
        {"file": SimpleUploadedFile("x.pdf", b"%PDF-1.4\n" + b"0" * 2000, content_type="application/pdf")},
    )
    assert response.status_code == 400
    assert "10 MB" in response.json()["detail"]


def test_the_verification_page_shows_the_result_without_login(sealed):
    _app, data = sealed
    client = client_for(None)
    assert client.get("/public/contracts/verify/").status_code == 200
    page = client.post(
        "/public/contracts/verify/", {"file": SimpleUploadedFile("c.pdf", data, content_type="application/pdf")}
    )
    assert page.status_code == 200
    assert "真实有效" in page.content.decode()
    changed = bytearray(data)
    changed[data.index(b"/Subject") + 10] ^= 1
    page = client.post(
        "/public/contracts/verify/",
        {"file": SimpleUploadedFile("c.pdf", bytes(changed), content_type="application/pdf")},
    )
    assert "未通过核验" in page.content.decode()
    bad = client.post("/public/contracts/verify/", {"file": SimpleUploadedFile("c.txt", b"text")})
    assert bad.status_code == 400 and "不是 PDF 文件" in bad.content.decode()


def test_with_a_timestamp_authority_the_seal_carries_its_token_and_its_time(sealed, signing):
    from asn1crypto import keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    app, _data = sealed
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "TEST TSA")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2040, 1, 1, tzinfo=dt.UTC))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    stamped_at = dt.datetime(2026, 3, 2, 10, 0, 5, tzinfo=dt.UTC)
    tsa = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
        fixed_dt=stamped_at,
    )
    material = signing
    signer = PyHankoRsaSigner(pkcs12_bytes(material.key, material.cert, [material.ca], "x"), b"x", timestamper=tsa)
    data = signer.sign(
        contract_of(app).pdf.read(), at=dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC), stamp=services.stamp_for(app)
    )
    result = verify_contract(data)
    assert result.signed and result.intact and result.trusted
    assert result.signed_at == stamped_at  # the token's time, not the signer's claim
