from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_safe

from bandian.core.text import label
from bandian.disclosure import guide
from bandian.disclosure.fees import fee_lines
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


@require_safe
def guide_index(request: HttpRequest) -> HttpResponse:
    """The service guide: every customer class, each linking to its own guide."""
    policy = active_policy()
    classes = guide.service_guide(policy, today=timezone.localdate())
    return render(request, "disclosure/guide_index.html", {"classes": classes, "policy": guide.policy_header(policy)})


@require_safe
def guide_class(request: HttpRequest, customer_class: str) -> HttpResponse:
    """The service guide of one customer class (printable)."""
    policy = active_policy()
    if customer_class not in policy.classes:
        raise Http404
    context = {
        "g": guide.class_guide(policy, customer_class, today=timezone.localdate()),
        "policy": guide.policy_header(policy),
        "others": [(code, label(rule)) for code, rule in policy.classes.items() if code != customer_class],
    }
    return render(request, "disclosure/guide_class.html", context)


@require_safe
def fees(request: HttpRequest) -> HttpResponse:
    """The fee catalogue with each item's legal basis, and the hotlines."""
    policy = active_policy()
    return render(request, "disclosure/fees.html", {"fees": fee_lines(), "policy": guide.policy_header(policy)})
