from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "bandian.applications"
    label = "applications"
