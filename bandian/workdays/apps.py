from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    name = "bandian.workdays"
    label = "workdays"

    def ready(self) -> None:
        from bandian.workdays import checks  # noqa: F401  (registers the system checks)
