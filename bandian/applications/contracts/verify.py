"""Checking a contract anyone uploads: is it signed, unchanged, signed by the utility, and the
very file recorded for its application? The page and the API answer the same `Verification`.

- `signed`: the PDF holds a signature (the last one is checked);
- `intact`: that signature is cryptographically valid and covers the whole file, byte for byte;
- `trusted`: the signing certificate is the utility's (the one in `CONTRACT_SIGNING_P12`, or one of
  `CONTRACT_TRUSTED_CERTS`) and chains to a trust root (the CA certificates in the PKCS#12 file and
  `CONTRACT_TRUST_ROOTS`);
- `signer`, `signed_at`: the certificate's common name and the signing time (the timestamp
  token's time when there is one);
- `application_no`: the application the file names; `matches_record`: the file's SHA-256 is the
  one the application's hash chain records for its contract (as drawn, or as sealed).

Nothing else about the application or the applicant is answered.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from django.conf import settings
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from bandian.applications.contracts.models import Contract
from bandian.applications.contracts.signing import SigningUnavailable, get_signer
from bandian.core.errors import ServiceError
from bandian.core.time import SHANGHAI

logger = logging.getLogger("bandian.contracts")


class NotAContract(ServiceError):
    """The upload is not a PDF that can be read (the API answers 400)."""


@dataclass(frozen=True)
class Verification:
    signed: bool
    intact: bool
    trusted: bool
    signer: str | None
    signed_at: dt.datetime | None
    application_no: str | None
    matches_record: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _pem_certificates(path: str) -> list[asn1_x509.Certificate]:
    if not path:
        return []
    data = Path(path).read_bytes()
    if pem.detect(data):
        return [asn1_x509.Certificate.load(der) for _t, _h, der in pem.unarmor(data, multiple=True)]
    return [asn1_x509.Certificate.load(data)]


def _trust() -> tuple[list[asn1_x509.Certificate], set[bytes]]:
    """The trust roots and the utility's own signing certificates (DER)."""
    roots = _pem_certificates(getattr(settings, "CONTRACT_TRUST_ROOTS", ""))
    own = {c.dump() for c in _pem_certificates(getattr(settings, "CONTRACT_TRUSTED_CERTS", ""))}
    try:
        signer = get_signer()
    except SigningUnavailable:
        signer = None
    if signer is not None:
        own.add(signer.certificate)
        roots += [asn1_x509.Certificate.load(der) for der in getattr(signer, "chain", [])]
    return roots, own


def _application_no(reader: PdfFileReader) -> str | None:
    try:
        info = reader.trailer["/Info"]
        subject = str(info["/Subject"]) if "/Subject" in info else ""
    except (KeyError, PdfError, TypeError, AttributeError):
        return None
    subject = subject.strip()
    return subject[:32] if subject.startswith("QDN-") else None


def _recorded(application_no: str | None, digest: str) -> bool:
    if not application_no:
        return False
    contract = Contract.objects.filter(application__no=application_no).only("pdf_sha256", "sealed_sha256").first()
    return contract is not None and digest in {contract.pdf_sha256, contract.sealed_sha256} - {""}


def verify_contract(data: bytes) -> Verification:
    """The answer for an uploaded file; NotAContract when it is empty or not a readable PDF."""
    if not data:
        raise NotAContract(_("文件为空"))
    if not data.lstrip()[:5] == b"%PDF-":
        raise NotAContract(_("不是 PDF 文件"))
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_regular_signatures
    except Exception as exc:  # pyHanko raises many kinds for a broken file
        raise NotAContract(_("无法读取该 PDF 文件")) from exc
    application_no = _application_no(reader)
    matches = _recorded(application_no, hashlib.sha256(data).hexdigest())
    if not signatures:
        return Verification(False, False, False, None, None, application_no, matches)
    signature = signatures[-1]
    roots, own = _trust()
    context = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
    try:
        status = validate_pdf_signature(signature, signer_validation_context=context)
    except Exception:  # a damaged signature container: signed, but nothing about it holds
        logger.info("contract verification: the signature cannot be validated", exc_info=True)
        return Verification(True, False, False, None, None, application_no, matches)
    intact = bool(status.intact and status.valid and status.coverage == SignatureCoverageLevel.ENTIRE_FILE)
    cert = status.signing_cert
    trusted = bool(intact and status.trusted and cert is not None and cert.dump() in own)
    signer = cert.subject.native.get("common_name") if cert is not None else None
    when = status.timestamp_validity.timestamp if status.timestamp_validity is not None else status.signer_reported_dt
    return Verification(
        signed=True,
        intact=intact,
        trusted=trusted,
        signer=str(signer) if signer else None,
        signed_at=when.astimezone(SHANGHAI) if when is not None else None,
        application_no=application_no,
        matches_record=matches,
    )
