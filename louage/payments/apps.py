from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "louage.payments"
    label = "payments"
    verbose_name = "Paiements"

    def ready(self):
        from . import checks  # noqa: F401  (says when online payment is off)
