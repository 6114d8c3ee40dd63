from django.urls import path

from bandian.applications.visits import views
from bandian.core import converters  # noqa: F401  (registers <ref:...>)

app_name = "visits"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("slots/publish/", views.publish, name="publish"),
    path("slots/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("bookings/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("bookings/<int:pk>/cancel/", views.manager_cancel, name="manager_cancel"),
    path("feed/reset/", views.feed_reset, name="feed_reset"),
    path("feed/<ref:token>.ics", views.feed, name="feed"),
    path("applications/<ref:no>/", views.booking_page, name="booking"),
]
