from django.apps import AppConfig


class OutagesConfig(AppConfig):
    name = "bandian.outages"
    label = "outages"
