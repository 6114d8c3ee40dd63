"""The contract templates beside the policy: every class has one; a wrong file names its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bandian.policy.classes import CustomerClass
from bandian.policy.contracts import ContractTemplateError, load_templates, templates_dir
from bandian.policy.loader import active_policy

SHIPPED = Path(__file__).resolve().parents[2] / "policies" / "contracts"


def test_the_shipped_templates_cover_every_class_at_its_signing_step():
    templates = load_templates(SHIPPED, active_policy())
    for code in CustomerClass.values:
        template = templates.for_class(code)
        assert template.stage == ("plan" if code.startswith("hv_") else "apply")
        assert template.property_boundary and template.metering_point and template.clauses
    assert templates_dir() == SHIPPED


def _copy(tmp_path: Path, edit=None) -> Path:
    for path in SHIPPED.glob("*.toml"):
        text = path.read_text(encoding="utf-8")
        (tmp_path / path.name).write_text(edit(path.name, text) if edit else text, encoding="utf-8")
    return tmp_path


def test_a_stage_the_class_does_not_have_is_refused_naming_the_file(tmp_path):
    folder = _copy(
        tmp_path, lambda name, t: t.replace('stage = "apply"', 'stage = "plan"') if name == "residential.toml" else t
    )
    with pytest.raises(
        ContractTemplateError, match=r"residential.toml: stage: 'plan' is not a step of the class 'residential'"
    ):
        load_templates(folder, active_policy())


def test_a_class_without_a_template_is_refused(tmp_path):
    folder = _copy(tmp_path)
    (folder / "hv_dual.toml").unlink()
    with pytest.raises(ContractTemplateError, match="no template for the classes hv_dual"):
        load_templates(folder, active_policy())


def test_an_unknown_key_is_refused(tmp_path):
    folder = _copy(tmp_path, lambda name, t: 'surprise = "x"\n' + t if name == "hv_single.toml" else t)
    with pytest.raises(ContractTemplateError, match=r"hv_single\.toml: surprise"):
        load_templates(folder, active_policy())
