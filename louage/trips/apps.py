from django.apps import AppConfig


class TripsConfig(AppConfig):
    name = "louage.trips"
    label = "trips"
    verbose_name = "Départs"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from .models import RouteDuration, Trip, _forget_searches

        # What a search answer shows: departures, their stations and vehicles, the durations.
        # (Bulk writes of departures go through TripQuerySet.)
        for model in (Trip, RouteDuration, "stations.Station", "stations.Vehicle"):
            post_save.connect(_forget_searches, sender=model, dispatch_uid=f"search-{model}-save")
            post_delete.connect(_forget_searches, sender=model, dispatch_uid=f"search-{model}-del")
