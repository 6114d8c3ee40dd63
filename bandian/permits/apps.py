from django.apps import AppConfig


class PermitsConfig(AppConfig):
    name = "bandian.permits"
    label = "permits"

    def ready(self) -> None:
        from bandian.permits import checks  # noqa: F401  (registers the system checks)
