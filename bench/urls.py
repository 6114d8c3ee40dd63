"""bandian's URLs plus a no-op view: the yardstick the public progress query is measured against."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from bandian.urls import urlpatterns as bandian_urlpatterns


def noop(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")


# After bandian's own patterns, so that it is resolved like any page of the project.
urlpatterns = [*bandian_urlpatterns, path("bench/noop", noop)]
