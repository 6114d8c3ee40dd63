from django.urls import path

from bandian.disclosure import views

app_name = "disclosure"
urlpatterns = [
    path("anchors/", views.anchors, name="anchors"),
    path("guide/", views.guide_index, name="guide"),
    path("fees/", views.fees, name="fees"),
    path("guide/<slug:customer_class>/", views.guide_class, name="guide_class"),
]
