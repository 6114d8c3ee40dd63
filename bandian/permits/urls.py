from django.urls import path

from bandian.permits import views

app_name = "permits"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("queue/", views.queue, name="queue"),
    path("open/<str:app_no>/", views.case_open, name="open"),
    path("cases/<str:no>/", views.case_detail, name="case"),
    path("cases/<str:no>/document/", views.case_document, name="document"),
    path("cases/<str:no>/materials/<int:pk>/", views.material_file, name="material"),
    path("cases/<str:no>/supplement/", views.case_supplement, name="supplement"),
    path("cases/<str:no>/completion/", views.completion_report, name="completion"),
    path("cases/<str:no>/withdraw/", views.case_withdraw, name="withdraw"),
    path("items/<int:pk>/decide/", views.item_decide, name="decide"),
    path("items/<int:pk>/restoration/", views.restoration_confirm, name="restoration"),
]
