"""What every search reads besides its departures: the stations (to resolve the places typed
and to name both ends of each departure) and the routes' set durations.

These tables are small and rarely written, so each worker keeps them in memory while the
shared generation (search_cache.NETWORK) stays the same: any write to a station or a route
duration raises it at once and again after its commit, so the next search reads them again.
The generation is read before the tables, so what is kept is never older than it says.
Without the shared cache, or after MAX_AGE seconds, the tables are read from the database.

The Station objects kept are shared by the searches of this worker: read them, never change
them.
"""

import time
from dataclasses import dataclass

from louage.stations import places
from louage.stations.models import Station

from . import search_cache
from .models import RouteDuration

# A safety net, should a raise of the generation be lost (the shared cache away meanwhile).
MAX_AGE = 300


@dataclass(frozen=True)
class Network:
    generation: int | None
    loaded_at: float
    stations: dict  # every station (active or not) by id
    active: list  # the active stations' rows, as places._stations() gives them
    index: tuple  # places.place_index(active): (cities, stations) as Place objects
    durations: dict  # (origin city, destination city) → minutes set by an administrator

    def resolve(self, value):
        """places.resolve with this network's index."""
        return places.resolve(value, index=self.index)


_kept = None


def current():
    """The network as the database has it now, from this worker's memory when unchanged."""
    global _kept
    generation = search_cache.network_generation()
    kept = _kept
    if (
        generation is not None
        and kept is not None
        and kept.generation == generation
        and time.monotonic() - kept.loaded_at < MAX_AGE
    ):
        return kept
    network = load(generation)
    if generation is not None:
        _kept = network
    return network


def load(generation=None):
    ordered = list(Station.objects.order_by("city", "name", "pk"))  # as places._stations()
    stations = {station.pk: station for station in ordered}
    active = [
        {"pk": s.pk, "name": s.name, "name_ar": s.name_ar, "city": s.city}
        for s in ordered
        if s.is_active
    ]
    durations = {
        (origin, destination): minutes
        for origin, destination, minutes in RouteDuration.objects.values_list(
            "origin_city", "destination_city", "minutes"
        )
    }
    return Network(
        generation=generation,
        loaded_at=time.monotonic(),
        stations=stations,
        active=active,
        index=places.place_index(active),
        durations=durations,
    )


def forget():
    """Drop what this worker keeps (tests)."""
    global _kept
    _kept = None
