from django.urls import path

from bandian.core import converters  # noqa: F401  (registers <ref:...>)
from bandian.outages import views

app_name = "outages"
urlpatterns = [
    path("", views.event_list, name="list"),
    path("new/", views.event_new, name="new"),
    path("import/", views.import_page, name="import"),
    path("interruptions/", views.interruption_list, name="interruptions"),
    path("<ref:reference>/", views.event_detail, name="detail"),
    path("<ref:reference>/steps/", views.step_add, name="step_add"),
    path("<ref:reference>/close/", views.event_close, name="close"),
]
