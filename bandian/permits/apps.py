from django.apps import AppConfig


class PermitsConfig(AppConfig):
    name = "bandian.permits"
    label = "permits"
