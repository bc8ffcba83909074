"""The demo's official fare table: every route between the demo stations' cities, both ways."""

from django.db import transaction

from louage.stations.demo import fare
from louage.stations.models import Station

from .models import Fare


@transaction.atomic
def seed_fares(stdout=None):
    """Fares by road distance (≈ 85 millimes a km, rounded to 100 millimes), the way the
    authorities' table reads: Tunis → Sousse ≈ 12 DT, Tunis → Sfax ≈ 20 DT. The demo's
    scheduled departures are priced exactly at the fare."""
    by_city = {}
    for station in Station.objects.order_by("pk"):
        by_city.setdefault(station.city, station)
    created = 0
    for origin in by_city.values():
        for destination in by_city.values():
            if origin.city == destination.city:
                continue
            _fare, made = Fare.objects.get_or_create(
                origin_city=origin.city,
                destination_city=destination.city,
                defaults={"price": fare(origin, destination)},
            )
            created += made
    if stdout and created:
        stdout.write(f"Fares: {created} official fares.")
