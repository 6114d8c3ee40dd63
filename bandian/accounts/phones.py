"""Mobile numbers as the project compares them: applicants sign in with theirs as username."""

from __future__ import annotations

import re

# Mainland mobile numbers: 11 ASCII digits starting 13-19 (`\d` would take any script's digits).
MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")


def normalise_phone(raw: str) -> str:
    """Digits only, without a +86/0086 prefix."""
    digits = re.sub(r"[\s\-()]", "", raw or "")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    return digits


def valid_mobile(phone: str) -> bool:
    return bool(MOBILE_RE.fullmatch(phone))
