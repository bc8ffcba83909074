from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "louage.opendata"
    label = "opendata"
    verbose_name = "Données ouvertes"

    def ready(self):
        from . import subscribers  # noqa: F401  (the feed's event subscriber and chore)
