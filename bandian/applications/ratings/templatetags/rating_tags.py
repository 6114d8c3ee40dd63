"""`{% rating_link app %}`: the application page's link to its rating, shown once it has ended."""

from __future__ import annotations

from typing import Any

from django import template

from bandian.applications.enums import Status
from bandian.applications.models import Application

register = template.Library()


@register.inclusion_tag("ratings/_rating_link.html")
def rating_link(app: Application) -> dict[str, Any]:
    return {"app": app, "show": app.status in Status.closed_states() and app.submitted_at is not None}
