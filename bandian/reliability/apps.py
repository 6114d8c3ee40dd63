from django.apps import AppConfig


class ReliabilityConfig(AppConfig):
    name = "bandian.reliability"
    label = "reliability"
