from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    """Payment orders from the fee catalogue, paid online through a provider (issue 11.3)."""

    name = "bandian.applications.payments"
    label = "payments"

    def ready(self) -> None:
        from bandian.applications.payments import checks  # noqa: F401  (registers the system checks)
