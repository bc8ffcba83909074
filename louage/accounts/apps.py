from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "louage.accounts"
    label = "accounts"
    verbose_name = "Comptes"

    def ready(self):
        from . import jwt_keys, signals  # noqa: F401  (connects the allauth signal receivers)

        jwt_keys.install()  # old JWT signing keys verify after a rotation
