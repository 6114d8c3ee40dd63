"""Background work of contracts: the utility's seal after the applicant signed."""

from __future__ import annotations

import logging

from django_tasks import task

from bandian.applications.models import Application
from bandian.core.errors import ServiceError

logger = logging.getLogger("bandian.contracts")


@task()
def seal_contract(application_id: int) -> str:
    """Seal the contract the applicant signed. Without a usable key it is left signed and the
    managers see it awaiting the seal (with a button to retry)."""
    from bandian.applications.contracts.services import contract_seal

    app = Application.objects.filter(pk=application_id).first()
    if app is None:
        return "no such application"
    try:
        contract_seal(application=app)
    except ServiceError as exc:  # SigningUnavailable, or sealed meanwhile
        logger.warning("the contract of %s was not sealed: %s", app.no, exc)
        return f"not sealed: {exc}"
    return "sealed"
