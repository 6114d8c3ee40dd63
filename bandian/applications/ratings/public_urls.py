"""/public/ratings/: the published rating figures (no login)."""

from django.urls import path

from bandian.applications.ratings import views

app_name = "ratings_public"
urlpatterns = [path("", views.public_figures, name="figures")]
