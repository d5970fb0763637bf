from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "adcmeet.accounts"
    label = "accounts"
    verbose_name = "People"
