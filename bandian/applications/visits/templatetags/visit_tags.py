"""`{% visit_booking_link app %}`: the application page's link to the booking page, shown by the rule."""

from __future__ import annotations

from typing import Any

from django import template

from bandian.applications.enums import Status
from bandian.applications.models import Application
from bandian.applications.visits import rules

register = template.Library()


@register.inclusion_tag("visits/_booking_link.html")
def visit_booking_link(app: Application) -> dict[str, Any]:
    return {"app": app, "show": app.status != Status.DRAFT and rules.books_visits(app)}
