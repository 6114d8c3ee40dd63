"""Loading the policy file: parse the TOML, validate it, fail naming the key."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from django.conf import settings
from pydantic import ValidationError

from bandian.policy.schema import Policy


class PolicyError(Exception):
    """The policy file cannot be used; the message names the file and the key."""


def _key(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def load_policy(path: Path) -> Policy:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise PolicyError(f"{path}: no such policy file") from exc
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{path}: not valid TOML: {exc}") from exc
    try:
        return Policy.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            # pydantic puts the failing model's own checks at its location; drop its internal tags.
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            problems.append(f"{_key(loc)}: {err['msg']}")
        raise PolicyError(f"{path}: " + "; ".join(problems)) from exc


@cache
def active_policy() -> Policy:
    """The policy in force, read once per process from settings.POLICY_FILE."""
    return load_policy(Path(settings.POLICY_FILE))
