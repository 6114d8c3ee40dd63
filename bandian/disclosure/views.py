from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from bandian.disclosure.selectors import public_anchors
from bandian.policy.loader import active_policy

ANCHORS_PER_PAGE = 100


def _plan_figures() -> dict[str, Any]:
    """The numbers the home page promises, from the policy in force today: each class's time
    limit, the residential steps and documents, the 三零 capacity."""
    policy = active_policy()
    today = timezone.localdate()
    figures: dict[str, Any] = {"sanling_kw": policy.sanling.max_kw}
    for code, rule in policy.classes.items():
        # The limit for an application submitted today (the last one set, should today have none).
        limit = rule.limit_on(today) or max(rule.limits, key=lambda lim: lim.valid_from)
        figures[code] = {"total": limit.total, "steps": rule.steps_max, "documents": rule.documents_max}
    return figures


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"plan": _plan_figures()})


@require_GET
def anchors(request: HttpRequest) -> HttpResponse:
    """The daily anchors of the timeline, for anyone: no login, nothing recorded by viewing."""
    page = Paginator(public_anchors(), ANCHORS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "disclosure/anchors.html", {"page": page})
