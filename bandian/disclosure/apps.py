from django.apps import AppConfig


class DisclosureConfig(AppConfig):
    name = "bandian.disclosure"
    label = "disclosure"
