from django.urls import path

from bandian.disclosure import views

app_name = "disclosure"
urlpatterns = [
    path("anchors/", views.anchors, name="anchors"),
    path("guide/", views.guide_index, name="guide"),
    path("fees/", views.fees, name="fees"),
    path("capacity/", views.capacity_page, name="capacity"),
    path("capacity.csv", views.capacity_csv, name="capacity_csv"),
    path("capacity/check/", views.capacity_check, name="capacity_check"),
    path("guide/<slug:customer_class>/", views.guide_class, name="guide_class"),
]
