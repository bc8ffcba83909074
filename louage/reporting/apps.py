from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "louage.reporting"
    label = "reporting"
    verbose_name = "Rapports"
