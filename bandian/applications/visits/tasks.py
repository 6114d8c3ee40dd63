"""Background tasks of visit booking: thin wrappers around the services."""

from __future__ import annotations

from django_tasks import task

from bandian.applications.visits.services import visit_reminders_send


@task()
def send_visit_reminders() -> int:
    """The day-before SMS of every booked visit (idempotent); `manage.py visits remind --enqueue`."""
    return visit_reminders_send()
