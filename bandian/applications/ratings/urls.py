from django.urls import path

from bandian.applications.ratings import views
from bandian.core import converters  # noqa: F401  (registers <ref:...>)

app_name = "ratings"
urlpatterns = [
    path("applications/<ref:no>/", views.rate_page, name="rate"),
    path("r/<ref:token>/", views.link_page, name="link"),
    path("follow-ups/", views.follow_ups, name="follow_ups"),
    path("follow-ups/<int:pk>/callback/", views.callback, name="callback"),
    path("follow-ups/<int:pk>/rectify/", views.rectify, name="rectify"),
    path("bad/", views.bad_list, name="bad"),
]
