"""Loading the policy file: parse the TOML, validate it, fail naming the key."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from pydantic import ValidationError

from bandian.policy.schema import Policy, RuleError


class PolicyError(Exception):
    """The policy file cannot be used; the message names the file and the key."""


def _key(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part == "[key]":  # pydantic's marker for a dict key that failed
            out += " (the key itself)"
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
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path}: cannot be read: {exc}") from exc
    return validate_policy(raw, source=str(path))


def validate_policy(raw: dict[str, Any], *, source: str = "<policy>") -> Policy:
    """The policy in `raw` (a parsed TOML document); PolicyError names every key that is wrong."""
    try:
        return Policy.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            # pydantic puts the failing model's own checks at its location; drop its internal tags.
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            msg = err["msg"]
            cause = (err.get("ctx") or {}).get("error")
            if isinstance(cause, RuleError):
                loc, msg = loc + cause.key, cause.message
            problems.append(f"{_key(loc)}: {msg}")
        raise PolicyError(f"{source}: " + "; ".join(problems)) from exc


@cache
def active_policy() -> Policy:
    """The policy in force, read once per process from settings.POLICY_FILE."""
    return load_policy(Path(settings.POLICY_FILE))
