from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "louage.core"
    label = "core"
    verbose_name = "Louage"
