from django.apps import AppConfig


class TripsConfig(AppConfig):
    name = "louage.trips"
    label = "trips"
    verbose_name = "Départs"
