from django.urls import path

from bandian.disclosure import views

app_name = "disclosure"
urlpatterns = [
    path("anchors/", views.anchors, name="anchors"),
]
