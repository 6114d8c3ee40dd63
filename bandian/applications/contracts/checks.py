"""System checks of contracts (`manage.py check`, and at start-up)."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, Warning, register

from bandian.applications.contracts.signing import signing_problem
from bandian.policy.contracts import ContractTemplateError, contract_templates


@register()
def contract_setup(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The templates must be valid; without a signing key contracts stay unsealed."""
    found: list[CheckMessage] = []
    try:
        contract_templates()
    except ContractTemplateError as exc:
        found.append(Error(f"Supply contracts cannot be drawn: {exc}", id="contracts.E001"))
    problem = signing_problem()
    if problem is not None:
        found.append(Warning(f"Supply contracts cannot be sealed: {problem}.", id="contracts.W001"))
    return found
