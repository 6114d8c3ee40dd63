from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "bandian.supervision"
    label = "supervision"
