from __future__ import annotations

from typing import Any

from django.apps import AppConfig


def draw_when_due(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """A submission or a completed step may bring the application to its signing step: draw the
    contract after the event commits (out of the application's lock; a failure is logged, and
    the application's page draws it when it is next opened)."""
    if not created or instance.type not in ("submitted", "stage_completed"):
        return
    from django.db import transaction

    from bandian.applications.contracts.services import contract_draw_if_due

    application_id = instance.application_id
    transaction.on_commit(lambda: contract_draw_if_due(application_id, quiet=True))


class ContractsConfig(AppConfig):
    name = "bandian.applications.contracts"
    label = "contracts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from bandian.applications.contracts import checks  # noqa: F401  (registers the system checks)
        from bandian.applications.models import Event

        post_save.connect(draw_when_due, sender=Event, dispatch_uid="contracts.draw_when_due")
