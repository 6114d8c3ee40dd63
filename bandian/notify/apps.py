from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "bandian.notify"
    label = "notify"
