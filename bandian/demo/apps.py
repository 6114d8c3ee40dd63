from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "bandian.demo"
    label = "demo"
