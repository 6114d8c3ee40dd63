"""The stand-in stored for an applicant's identity number (the number itself is never stored).

The reference is HMAC-SHA-256 under `settings.APPLICANT_ID_KEY` of the normalised number (surrounding
space removed, the check letter X in upper case, UTF-8), as 64 lower-case hex digits: the §5
interchange format's `applicant_id`. The utility and the supervisors share the key, so the same
person gets the same reference in both; without the key the reference cannot be reversed by trying
the few candidate numbers, as an unkeyed hash can.

References stored before the key was introduced were unkeyed SHA-256 hashes and cannot be re-keyed
without the numbers; the migration replaces each by `legacy_ref(old)` (see the migration
`applications.0004_keyed_applicant_refs`).
"""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings

LEGACY_PREFIX = "legacy:"
KEYED_REF = re.compile(r"^[0-9a-f]{64}$")


def _keyed(message: str, key: str | None = None) -> str:
    secret = (key if key is not None else settings.APPLICANT_ID_KEY).encode()
    return hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()


def applicant_ref(id_number: str) -> str:
    """The reference of an identity number ("" for none)."""
    number = id_number.strip().upper()
    return _keyed(number) if number else ""


def legacy_ref(old: str, *, key: str | None = None) -> str:
    """A reference stored before the key, made irreversible without the key: two legacy references
    of the same person still match each other, but not a new one (the number is not known)."""
    if not old or old.startswith(LEGACY_PREFIX):
        return old
    return LEGACY_PREFIX + _keyed(old, key)
