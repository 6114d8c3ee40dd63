from django.urls import path

from bandian.disclosure import statistics_views, views

app_name = "disclosure"
urlpatterns = [
    path("anchors/", views.anchors, name="anchors"),
    path("guide/", views.guide_index, name="guide"),
    path("fees/", views.fees, name="fees"),
    path("capacity/", views.capacity_page, name="capacity"),
    path("capacity.csv", views.capacity_csv, name="capacity_csv"),
    path("capacity/check/", views.capacity_check, name="capacity_check"),
    path("data/", views.open_data, name="data"),
    path("statistics/", statistics_views.statistics_page, name="statistics"),
    path("statistics.csv", statistics_views.statistics_csv, name="statistics_csv"),
    path("statistics.xlsx", statistics_views.statistics_xlsx, name="statistics_xlsx"),
    path("guide/<slug:customer_class>/", views.guide_class, name="guide_class"),
]
