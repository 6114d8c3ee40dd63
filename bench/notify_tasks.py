"""The notice bench's ordinary task (imported once Django is set up: a task checks its backend)."""

from django_tasks import task


@task()
def ping() -> str:
    """An ordinary task (default priority), queued behind a big notice."""
    return "pong"
