"""The payments section of the application page."""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.auth.models import AnonymousUser

from bandian.applications.payments import rules
from bandian.applications.payments.selectors import zero_investment_charged
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


ZERO_INVESTMENT_SHOWN = 100


@register.inclusion_tag("payments/_zero_investment_charged.html", takes_context=True)
def zero_investment_charges(context: template.Context) -> dict[str, Any]:
    """For supervisors: every zero-investment application that was charged and kept a fee."""
    user = context.get("user") or AnonymousUser()
    if not rules.can_see_charges_everywhere(user):
        return {"shown": False}
    charged = zero_investment_charged()
    rows = list(charged[: ZERO_INVESTMENT_SHOWN + 1])  # one query, and a count only when there are more
    total = len(rows) if len(rows) <= ZERO_INVESTMENT_SHOWN else charged.count()
    return {"shown": True, "rows": rows[:ZERO_INVESTMENT_SHOWN], "total": total}
