from django.urls import path, re_path
from django.views.decorators.http import require_safe

from bandian.outages import public_views

app_name = "outages_public"
urlpatterns = [
    path("", public_views.page, name="page"),
    re_path(r"^feed/(?P<adcode>[0-9]{6})/$", require_safe(public_views.CountyFeed()), name="feed"),
]
