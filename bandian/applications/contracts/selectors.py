"""Reading contracts: the state of an application's contract, as its page and the API show it."""

from __future__ import annotations

from dataclasses import dataclass

from bandian.applications.contracts.models import Contract, ContractState
from bandian.applications.models import Application


@dataclass(frozen=True)
class ContractStatus:
    """`state`: none (not drawn: the application has not reached its signing step), drawn,
    signed, sealed."""

    state: str
    contract: Contract | None
    stage: str


def contract_status(app: Application) -> ContractStatus:
    from bandian.applications.contracts.services import contract_draw_if_due, signing_stage

    contract = Contract.objects.filter(application=app).first()
    if contract is None and app.status not in ("draft", "withdrawn", "cancelled"):
        # Drawn after the step's event commits; should that have failed, it is drawn now.
        contract = contract_draw_if_due(app.pk, quiet=True)
    return ContractStatus(state=contract.state if contract else "none", contract=contract, stage=signing_stage(app))


__all__ = ["ContractState", "ContractStatus", "contract_status"]
