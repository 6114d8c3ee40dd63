"""The supply contract's section of the application page: its state for everyone who may
download it, the SMS signing form for the applicant, the paper form link for the counter, the
manual seal for the managers."""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.auth.models import AnonymousUser

from bandian.applications.contracts import rules
from bandian.applications.contracts.models import ContractState
from bandian.applications.contracts.selectors import contract_status
from bandian.core.text import label
from bandian.policy.loader import active_policy

register = template.Library()


@register.inclusion_tag("contracts/_application_section.html", takes_context=True)
def contract_section(context: dict[str, Any], app: Any) -> dict[str, Any]:
    user = context.get("user") or AnonymousUser()
    if not rules.can_download(user, app) or app.status == "draft":
        return {"show": False}
    status = contract_status(app)
    policy = active_policy()
    drawn = status.state == ContractState.DRAWN
    return {
        "show": True,
        "app": app,
        "status": status,
        "contract": status.contract,
        "stage_label": label(policy.stages[status.stage]) if status.stage in policy.stages else status.stage,
        "state_label": ContractState(status.state).label if status.contract else "",
        "can_sign": drawn and rules.can_sign_online(user, app),
        "can_paper": drawn and rules.can_record_paper(user, app),
        "can_seal": status.state == ContractState.SIGNED and rules.can_seal(user, app),
        "csrf_token": context.get("csrf_token"),
    }
