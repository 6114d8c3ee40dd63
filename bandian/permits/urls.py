from django.urls import path

from bandian.core import converters  # noqa: F401  (registers <ref:...>)
from bandian.permits import views

app_name = "permits"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("queue/", views.queue, name="queue"),
    path("open/<ref:app_no>/", views.case_open, name="open"),
    path("cases/<ref:no>/", views.case_detail, name="case"),
    path("cases/<ref:no>/document/", views.case_document, name="document"),
    path("cases/<ref:no>/materials/<int:pk>/", views.material_file, name="material"),
    path("cases/<ref:no>/supplement/", views.case_supplement, name="supplement"),
    path("cases/<ref:no>/completion/", views.completion_report, name="completion"),
    path("cases/<ref:no>/withdraw/", views.case_withdraw, name="withdraw"),
    path("items/<int:pk>/decide/", views.item_decide, name="decide"),
    path("items/<int:pk>/restoration/", views.restoration_confirm, name="restoration"),
]
