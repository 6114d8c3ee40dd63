from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from bandian.disclosure.selectors import public_anchors

ANCHORS_PER_PAGE = 100


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


@require_GET
def anchors(request: HttpRequest) -> HttpResponse:
    """The daily anchors of the timeline, for anyone: no login, nothing recorded by viewing."""
    page = Paginator(public_anchors(), ANCHORS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "disclosure/anchors.html", {"page": page})
