from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StationsConfig(AppConfig):
    name = "louage.stations"
    label = "stations"
    verbose_name = _("Stations et véhicules")
