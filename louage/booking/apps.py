from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "louage.booking"
    label = "booking"
    verbose_name = "Réservations"
