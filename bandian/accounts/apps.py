from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "bandian.accounts"
    label = "accounts"
