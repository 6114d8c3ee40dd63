"""The utility's digital signature on a contract: a small `Signer` interface and its one
implementation, PAdES with pyHanko and an RSA key from a PKCS#12 file.

The rest of the app calls only `get_signer().sign(pdf, at=..., stamp=...)` and reads
`signer.subject`; a signer for GB/T 38540 seals (SM2 keys from a national CA) replaces
`PyHankoRsaSigner` by implementing the same two members (docs/operations.md).

The visible stamp (the utility's name, the signing time, a QR code of the verification address)
is drawn with ReportLab and the embedded CJK font, and becomes the appearance of the signature
field on the last page.
"""

from __future__ import annotations

import binascii
import datetime as dt
import hashlib
import io
import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import segno
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings
from pyhanko.pdf_utils.content import PdfContent
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import BoxConstraints
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import get_pyca_cryptography_hash
from pyhanko.sign.signers.pdf_cms import Signer as CmsSigner
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore
from reportlab.pdfgen import canvas

from bandian.core.errors import ServiceError
from bandian.core.pdf import cjk_font
from bandian.core.time import SHANGHAI

FIELD_NAME = "UtilitySeal"
# The stamp's box on the last page (points from the bottom left), below the signature lines.
STAMP_BOX = (300, 40, 560, 130)
# Room for the CMS container without a timestamp token (pyHanko's own estimate signs twice).
RESERVED_BYTES = 16384


class SigningUnavailable(ServiceError):
    """No usable signing key: the setting names no PKCS#12 file, or it cannot be opened."""


@dataclass(frozen=True)
class Stamp:
    """What the visible stamp shows."""

    utility: str
    verify_url: str


class Signer(Protocol):
    """Signs a contract's PDF for the utility. `subject` names the key's holder (the answer of
    verification shows it); `certificate` is the DER certificate whose signatures are trusted."""

    subject: str
    certificate: bytes

    def sign(self, pdf: bytes, *, at: dt.datetime, stamp: Stamp) -> bytes: ...


class _RsaCmsSigner(CmsSigner):
    """pyHanko's CMS signer over a key loaded once (SimpleSigner decodes the key per signature)."""

    def __init__(self, key: rsa.RSAPrivateKey, cert: asn1_x509.Certificate, chain: list[asn1_x509.Certificate]):
        self._key = key
        registry = SimpleCertificateStore()
        registry.register_multiple(chain)
        super().__init__(signing_cert=cert, cert_registry=registry)

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        if dry_run:
            return bytes(self._key.key_size // 8)
        return self._key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))


class _ImportedPages(PdfContent):
    """The first pages of PDFs held in memory, drawn one over the other as form XObjects
    (pyHanko's ImportedPdfPage reads one file). All have the size of the first."""

    def __init__(self, *pages: bytes) -> None:
        self.pages = pages
        super().__init__()

    def render(self) -> bytes:
        writer = self._ensure_writer
        ops = []
        for data in self.pages:
            xobj = writer.import_page_as_xobject(PdfFileReader(io.BytesIO(data)), page_ix=0)
            name = "/Import" + binascii.hexlify(uuid.uuid4().bytes).decode()
            self.resources.xobject[name] = xobj
            if self.box is None or not self.box.width_defined:
                x1, y1, x2, y2 = xobj.get_object()["/BBox"]
                self.box = BoxConstraints(width=abs(x1 - x2), height=abs(y1 - y2))
            ops.append(name.encode() + b" Do")
        return b" ".join(ops)


class _SignerAt(signers.PdfSigner):
    """A PdfSigner whose signing time is the one given (the time of the recorded event)."""

    def __init__(self, *args: Any, at: dt.datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._at = at

    def init_signing_session(self, pdf_out: Any, existing_fields_only: bool = False) -> Any:
        session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
        session.system_time = self._at
        return session


STAMP_RED = (0.78, 0.07, 0.07)


def _stamp_size() -> tuple[float, float]:
    return STAMP_BOX[2] - STAMP_BOX[0], STAMP_BOX[3] - STAMP_BOX[1]


@cache
def stamp_frame(utility: str) -> bytes:
    """The stamp's fixed part, drawn once per utility name: red frame, the name and the labels in
    the embedded CJK font (its subset is the slow part of drawing, so it is not redrawn)."""
    font = cjk_font()
    width, height = _stamp_size()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(width, height), invariant=True)
    pdf.setStrokeColorRGB(*STAMP_RED)
    pdf.setLineWidth(1.5)
    pdf.roundRect(1.5, 1.5, width - 3, height - 3, 6)
    pdf.setFillColorRGB(*STAMP_RED)
    pdf.setFont(font, 9)
    pdf.drawString(8, height - 20, utility[:18])
    pdf.setFont(font, 12)
    pdf.drawString(8, height - 40, "供用电合同电子签章")
    pdf.setFont(font, 8)
    pdf.drawString(8, 26, "签章时间（北京时间）")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def stamp_details(stamp: Stamp, at: dt.datetime) -> bytes:
    """The stamp's part of each signature: the signing time (Asia/Shanghai; digits in a standard
    PDF font, nothing to embed) and the QR code of the verification address."""
    width, height = _stamp_size()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(width, height), invariant=True)
    pdf.setFillColorRGB(*STAMP_RED)
    pdf.setFont("Helvetica", 8)
    pdf.drawString(8, 13, at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"))
    qr = segno.make(stamp.verify_url, error="m")
    size = height - 10
    cell = size / (qr.symbol_size(border=0)[0])
    x0, top = width - size - 5, height - 5
    pdf.setFillColorRGB(0, 0, 0)
    path = pdf.beginPath()
    for r, row in enumerate(qr.matrix):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                path.rect(x0 + start * cell, top - (r + 1) * cell, (c - start) * cell, cell)
            else:
                c += 1
    pdf.drawPath(path, stroke=0, fill=1)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


class PyHankoRsaSigner:
    """PAdES baseline signatures (ETSI.CAdES.detached) with an RSA key and certificate from a
    PKCS#12 file; an RFC 3161 timestamp from `timestamper` when one is given."""

    def __init__(self, p12: bytes, password: bytes | None, *, timestamper: TimeStamper | None = None) -> None:
        key, cert, others = pkcs12.load_key_and_certificates(p12, password or None)
        if not isinstance(key, rsa.RSAPrivateKey) or cert is None:
            raise SigningUnavailable("the PKCS#12 file holds no RSA key with its certificate")
        self.certificate = cert.public_bytes(serialization.Encoding.DER)
        self.chain = [c.public_bytes(serialization.Encoding.DER) for c in others]
        names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        self.subject = str(names[0].value) if names else cert.subject.rfc4514_string()
        self._cms = _RsaCmsSigner(
            key, asn1_x509.Certificate.load(self.certificate), [asn1_x509.Certificate.load(c) for c in self.chain]
        )
        self.timestamper = timestamper

    def sign(self, pdf: bytes, *, at: dt.datetime, stamp: Stamp) -> bytes:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
            reason="供电企业签章",
            name=self.subject,
        )
        pdf_signer = _SignerAt(
            meta,
            signer=self._cms,
            timestamper=self.timestamper,
            stamp_style=StaticStampStyle(
                background=_ImportedPages(stamp_frame(stamp.utility), stamp_details(stamp, at)), border_width=0
            ),
            new_field_spec=fields.SigFieldSpec(FIELD_NAME, on_page=-1, box=STAMP_BOX),
            at=at,
        )
        reserved = None if self.timestamper is not None else RESERVED_BYTES
        out = pdf_signer.sign_pdf(writer, bytes_reserved=reserved)
        return bytes(out.getvalue())


def certificate_sha256(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


@cache
def _signer_from(path: str, password: str, tsa_url: str) -> PyHankoRsaSigner:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SigningUnavailable(
            f"the contract signing key {path} cannot be read ({exc.strerror}): "
            "run `manage.py signing_cert --demo` or set CONTRACT_SIGNING_P12"
        ) from exc
    try:
        return PyHankoRsaSigner(
            data, password.encode() if password else None, timestamper=HTTPTimeStamper(tsa_url) if tsa_url else None
        )
    except ValueError as exc:
        raise SigningUnavailable(f"the contract signing key {path} cannot be opened: {exc}") from exc


def get_signer() -> Signer:
    """The signer the settings name (read once per process for the same settings)."""
    path = str(getattr(settings, "CONTRACT_SIGNING_P12", "") or "")
    if not path:
        raise SigningUnavailable("CONTRACT_SIGNING_P12 is not set")
    return _signer_from(path, settings.CONTRACT_SIGNING_P12_PASSWORD, getattr(settings, "TSA_URL", ""))


def forget_signer() -> None:
    _signer_from.cache_clear()


def signing_problem() -> str | None:
    """What keeps contracts from being signed (None when a signer can be made)."""
    try:
        get_signer()
    except SigningUnavailable as exc:
        return str(exc)
    return None


# Certificates: the demo's CA and signing certificate, and the trust roots of verification.


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "DEMO bandian (not a real certificate)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def make_certificates(
    *, ca_name: str, signer_name: str, not_before: dt.datetime, years: int = 20
) -> tuple[rsa.RSAPrivateKey, x509.Certificate, rsa.RSAPrivateKey, x509.Certificate]:
    """A self-made CA and a signing certificate it issues (RSA 2048): the demo's, and the tests'."""
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    until = not_before + dt.timedelta(days=365 * years)
    ca_subject = _name(ca_name)
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_subject)
        .issuer_name(ca_subject)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(until)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(signer_name))
        .issuer_name(ca_subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(until - dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return ca_key, ca, key, cert


def pkcs12_bytes(key: rsa.RSAPrivateKey, cert: x509.Certificate, chain: list[x509.Certificate], password: str) -> bytes:
    encryption = serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption()
    return pkcs12.serialize_key_and_certificates(b"contract-signing", key, cert, chain, encryption)


DEMO_CA_NAME = "DEMO bandian Contract CA"
DEMO_SIGNER_NAME = "DEMO 凯里供电局 供用电合同签章"


def demo_certificate(p12_path: Path, password: str) -> bool:
    """Write the demo's CA and signing certificate as a PKCS#12 file (and the CA as PEM beside
    it), unless the file is there already. Returns whether it was written."""
    if p12_path.exists():
        return False
    # Valid from before the demo's first application (2021), so that back-dated demo
    # signatures fall inside the certificate's validity.
    _ca_key, ca, key, cert = make_certificates(
        ca_name=DEMO_CA_NAME, signer_name=DEMO_SIGNER_NAME, not_before=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    p12_path.parent.mkdir(parents=True, exist_ok=True)
    temporary = p12_path.with_suffix(".tmp")
    temporary.write_bytes(pkcs12_bytes(key, cert, [ca], password))
    temporary.chmod(0o600)
    p12_path.with_name("demo-ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    temporary.replace(p12_path)
    forget_signer()
    return True
