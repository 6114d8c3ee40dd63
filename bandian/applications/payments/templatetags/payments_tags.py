"""The payments section of the application page."""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.auth.models import AnonymousUser

from bandian.applications.payments.views import section_context

register = template.Library()


@register.inclusion_tag("payments/_section.html", takes_context=True)
def payment_orders(context: template.Context, app: Any) -> dict[str, Any]:
    """The application's payment orders: paying for the applicant, issuing, cancelling and
    refunding for the county's staff (a refused form shown again when the page was re-rendered)."""
    user = context.get("user") or AnonymousUser()
    out = section_context(user, app, context.get("payments_bound"))
    out["csrf_token"] = context.get("csrf_token")
    out["request"] = context.get("request")
    return out
