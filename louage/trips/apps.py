from django.apps import AppConfig


class TripsConfig(AppConfig):
    name = "louage.trips"
    label = "trips"
    verbose_name = "Départs"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from .models import RouteDuration, Trip, _forget_network, _forget_searches

        # What a search answer shows: departures, their stations and vehicles, the durations.
        # Stations and durations are also kept in each worker's memory (trips.network).
        # (Bulk writes of departures and durations go through their QuerySets.)
        for model, forget in (
            (Trip, _forget_searches),
            ("stations.Vehicle", _forget_searches),
            ("stations.Station", _forget_network),
            (RouteDuration, _forget_network),
        ):
            post_save.connect(forget, sender=model, dispatch_uid=f"search-{model}-save")
            post_delete.connect(forget, sender=model, dispatch_uid=f"search-{model}-del")
