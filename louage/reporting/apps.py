from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "louage.reporting"
    label = "reporting"
    verbose_name = "Rapports"

    def ready(self):
        from . import subscribers  # noqa: F401  (registers the domain event subscribers)
