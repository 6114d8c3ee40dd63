from django.apps import AppConfig


class GridConfig(AppConfig):
    name = "bandian.grid"
    label = "grid"
