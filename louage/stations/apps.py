from django.apps import AppConfig


class StationsConfig(AppConfig):
    name = "louage.stations"
    label = "stations"
    verbose_name = "Stations et véhicules"
