"""Supply contract templates (供用电合同范本): data beside the policy file, validated here.

Each file `policies/contracts/<key>.toml` (the folder `contracts/` beside `settings.POLICY_FILE`,
or `settings.CONTRACT_TEMPLATES_DIR`) holds one template: the customer classes it is drawn for,
the step at which the applicant signs it, the supplier, the supply terms and the clauses of
rights and duties. Every customer class has exactly one template. The format is documented in
docs/policy-format.md.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from django.conf import settings
from pydantic import Field, ValidationError, model_validator

from bandian.policy.classes import CustomerClass
from bandian.policy.schema import Code, Policy, Strict

Text = str


class ContractTemplateError(Exception):
    """The contract templates cannot be used; the message names the file and the key."""


class Supplier(Strict):
    name: Text = Field(min_length=2, max_length=60)
    address: Text = Field(min_length=2, max_length=120)
    hotline: Text = Field(min_length=3, max_length=20)


class Clause(Strict):
    heading: Text = Field(min_length=2, max_length=40)
    items: list[Text] = Field(min_length=1)


class ContractTemplate(Strict):
    key: Code
    title: Text = Field(min_length=2, max_length=40)
    classes: list[str] = Field(min_length=1)
    # The step at which the applicant signs: `apply` (申请签约) for low voltage, `plan` (答复签约)
    # for high voltage. The contract is drawn when the application reaches that step.
    stage: Code
    supplier: Supplier
    supply_mode: Text = Field(min_length=2)
    property_boundary: Text = Field(min_length=2)
    metering_point: Text = Field(min_length=2)
    tariff: Text = Field(min_length=2)
    term_years: int = Field(ge=1, le=20)
    term_note: Text = ""
    clauses: list[Clause] = Field(min_length=1)

    @model_validator(mode="after")
    def known_classes(self) -> ContractTemplate:
        for code in self.classes:
            if code not in CustomerClass.values:
                raise ValueError(f"classes: {code!r} is not a customer class ({', '.join(CustomerClass.values)})")
        return self


class ContractTemplates(Strict):
    """Every template, by key; `for_class` finds the one drawn for a customer class."""

    templates: dict[str, ContractTemplate]

    def for_class(self, customer_class: str) -> ContractTemplate:
        for template in self.templates.values():
            if customer_class in template.classes:
                return template
        raise KeyError(customer_class)


def templates_dir() -> Path:
    configured = getattr(settings, "CONTRACT_TEMPLATES_DIR", None)
    return Path(configured) if configured else Path(settings.POLICY_FILE).parent / "contracts"


def load_templates(folder: Path, policy: Policy) -> ContractTemplates:
    """Read and check every `*.toml` in `folder` against the policy's classes and steps."""
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise ContractTemplateError(f"{folder}: no contract templates (*.toml)")
    found: dict[str, ContractTemplate] = {}
    owner: dict[str, str] = {}
    for path in files:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
            template = ContractTemplate.model_validate(raw)
        except tomllib.TOMLDecodeError as exc:
            raise ContractTemplateError(f"{path}: not valid TOML: {exc}") from exc
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg']}" for e in exc.errors()
            )
            raise ContractTemplateError(f"{path}: {problems}") from exc
        if template.key != path.stem:
            raise ContractTemplateError(f"{path}: key {template.key!r} must be the file's name ({path.stem!r})")
        for code in template.classes:
            if code in owner:
                raise ContractTemplateError(f"{path}: classes: {code!r} already has the template {owner[code]!r}")
            owner[code] = template.key
            if template.stage not in policy.classes[code].steps:
                raise ContractTemplateError(f"{path}: stage: {template.stage!r} is not a step of the class {code!r}")
        found[template.key] = template
    missing = sorted(set(CustomerClass.values) - set(owner))
    if missing:
        raise ContractTemplateError(f"{folder}: no template for the classes {', '.join(missing)}")
    return ContractTemplates(templates=found)


@cache
def contract_templates() -> ContractTemplates:
    """The templates in force, read once per process."""
    from bandian.policy.loader import active_policy

    return load_templates(templates_dir(), active_policy())
