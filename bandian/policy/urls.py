from django.urls import path

from bandian.policy import views

app_name = "policy"
urlpatterns = [
    path("", views.show, name="show"),
]
