"""Reading applications for a user: 404 when they may not see it."""

from __future__ import annotations

from django.http import Http404

from bandian.applications import rules
from bandian.applications.models import Application
from bandian.applications.rules import AnyUser


def get_application_for_user(user: AnyUser, no: str) -> Application:
    """The application numbered `no`, if this user may see it; Http404 otherwise (no leak of existence)."""
    app = (
        rules.visible_applications(user)
        .select_related("county", "customer_manager", "project_manager", "applicant", "restart_of")
        .filter(no=no)
        .first()
    )
    if app is None:
        raise Http404("no such application")
    return app
