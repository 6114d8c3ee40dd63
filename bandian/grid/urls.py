from django.urls import path

from bandian.grid import views

app_name = "grid"
urlpatterns = [
    path("", views.index, name="index"),
    path("upload/", views.upload, name="upload"),
    path("<slug:kind>/", views.row_list, name="list"),
    path("<slug:kind>/new/", views.row_edit, name="new"),
    path("<slug:kind>/<int:pk>/", views.row_detail, name="detail"),
    path("<slug:kind>/<int:pk>/edit/", views.row_edit, name="edit"),
    path("<slug:kind>/<int:pk>/delete/", views.row_delete, name="delete"),
]
