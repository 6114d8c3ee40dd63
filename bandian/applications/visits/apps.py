from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "bandian.applications.visits"
    label = "visits"
    verbose_name = "Site visits (预约上门)"
