"""Background tasks of the service rating: thin wrappers around the services."""

from __future__ import annotations

from django_tasks import task

from bandian.applications.ratings.services import rating_invitations_send


@task()
def send_rating_invitations() -> list[int]:
    """The invitations and the one reminder to rate (idempotent); `manage.py ratings invite --enqueue`."""
    return list(rating_invitations_send())
