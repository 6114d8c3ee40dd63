from typing import Any

from django.apps import AppConfig


def deadlines_after_calendar_change(sender: Any, *, year: int, **kwargs: Any) -> str:
    """Deadlines that ran into a year the calendar lacked were stored as unknown; recompute them."""
    from bandian.applications.services import open_deadlines_refresh

    return f"Due dates of {open_deadlines_refresh()} open applications recomputed."


class ApplicationsConfig(AppConfig):
    name = "bandian.applications"
    label = "applications"

    def ready(self) -> None:
        from bandian.workdays.signals import calendar_changed

        calendar_changed.connect(deadlines_after_calendar_change, dispatch_uid="applications.deadlines")
