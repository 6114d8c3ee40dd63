from django.urls import path

from bandian.notify import views

app_name = "notify"
urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.mark_read, name="mark_read"),
    path("preferences/", views.preferences, name="preferences"),
    path("failed/", views.failed, name="failed"),
    path("sms/receipts/", views.sms_receipts, name="sms_receipts"),
]
