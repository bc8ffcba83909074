from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "louage.payments"
    label = "payments"
    verbose_name = "Paiements"
