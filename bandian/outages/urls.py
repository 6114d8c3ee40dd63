from django.urls import path

from bandian.core import converters  # noqa: F401  (registers <ref:...>)
from bandian.outages import notice_views, views

app_name = "outages"
urlpatterns = [
    path("", views.event_list, name="list"),
    path("new/", views.event_new, name="new"),
    path("import/", views.import_page, name="import"),
    path("interruptions/", views.interruption_list, name="interruptions"),
    path("planned/", notice_views.planned_list, name="planned_list"),
    path("planned/new/", notice_views.planned_new, name="planned_new"),
    path("planned/<ref:reference>/", notice_views.planned_detail, name="planned_detail"),
    path("planned/<ref:reference>/change/", notice_views.planned_change, name="planned_change"),
    path("planned/<ref:reference>/cancel/", notice_views.planned_cancel, name="planned_cancel"),
    path("planned/<ref:reference>/begin/", notice_views.planned_begin, name="planned_begin"),
    path("rationing/", notice_views.rationing_page, name="rationing"),
    path("<ref:reference>/", views.event_detail, name="detail"),
    path("<ref:reference>/steps/", views.step_add, name="step_add"),
    path("<ref:reference>/close/", views.event_close, name="close"),
    path("<ref:reference>/progress/", notice_views.progress_add, name="progress_add"),
]
