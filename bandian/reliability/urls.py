from django.urls import path

from bandian.reliability import views

app_name = "reliability"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
