from django.urls import path

from bandian.supervision import views

app_name = "supervision"
urlpatterns = [
    path("compliance/", views.compliance, name="compliance"),
    path("approvals/", views.approvals, name="approvals"),
]
