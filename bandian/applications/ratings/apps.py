from django.apps import AppConfig


class RatingsConfig(AppConfig):
    name = "bandian.applications.ratings"
    label = "ratings"
    verbose_name = "Service rating (好差评)"
