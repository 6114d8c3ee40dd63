"""The stand-in stored for an applicant's identity number (the number itself is never stored)."""

from __future__ import annotations

import hashlib


def applicant_ref(id_number: str) -> str:
    """The reference of an identity number ("" for none): the same number gives the same reference,
    so a restart by the same person is recognised without keeping the number."""
    number = id_number.strip().upper()
    return hashlib.sha256(number.encode()).hexdigest() if number else ""
