from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "louage.accounts"
    label = "accounts"
    verbose_name = "Comptes"
