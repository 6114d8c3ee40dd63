from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    name = "bandian.workdays"
    label = "workdays"
