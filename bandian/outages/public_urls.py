from django.urls import path

from bandian.outages import public_views

app_name = "outages_public"
urlpatterns = [
    path("", public_views.page, name="page"),
    path("feed/<str:adcode>/", public_views.CountyFeed(), name="feed"),
]
