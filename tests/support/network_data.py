"""A large generated network for search tests and benchmarks: fast bulk inserts."""

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from louage.stations.cities import CITIES
from louage.stations.models import Station, Vehicle
from louage.trips.models import Trip, TripStatus


def generate_network(stations=50, trips=100_000, seed=1, *, start=None, days=60, batch=5000):
    """`stations` stations with 10 vehicles each and `trips` departures spread over `days` days
    from `start` (default: a week ago): some cancelled, some departed, some full.
    Deterministic for a given `seed`. Returns the stations."""
    rng = random.Random(seed)
    if start is None:
        start = timezone.now() - timedelta(days=7)
    created = Station.objects.bulk_create(
        [
            Station(
                name=f"Gen station {i}",
                city=CITIES[i % len(CITIES)],
                latitude=Decimal("33.5") + Decimal(i % 40) / 10,
                longitude=Decimal("8.5") + Decimal(i % 30) / 10,
            )
            for i in range(stations)
        ]
    )
    created = list(Station.objects.filter(name__startswith="Gen station ").order_by("pk"))
    Vehicle.objects.bulk_create(
        [
            Vehicle(plate=f"{i % 999 + 1} TU {7000 + i}", owner_name="Gen", station=s, seats=8)
            for i, s in enumerate(s for s in created for _ in range(10))
        ]
    )
    vehicles = {}
    for vehicle in Vehicle.objects.filter(station__in=created):
        vehicles.setdefault(vehicle.station_id, []).append(vehicle.pk)
    pending = []
    for _ in range(trips):
        origin, destination = rng.sample(created, 2)
        seats_total = 8
        status = rng.choices(
            [TripStatus.SCHEDULED, TripStatus.CANCELLED, TripStatus.DEPARTED], [85, 5, 10]
        )[0]
        pending.append(
            Trip(
                origin_id=origin.pk,
                destination_id=destination.pk,
                vehicle_id=rng.choice(vehicles[origin.pk]),
                departure=start + timedelta(minutes=rng.randrange(days * 24 * 60)),
                price=rng.randrange(2000, 40000, 100),
                seats_total=seats_total,
                seats_available=rng.choice([0, 1, 2, 3, 5, 8, 8, 8]),
                status=status,
            )
        )
        if len(pending) >= batch:
            Trip.objects.bulk_create(pending)
            pending = []
    Trip.objects.bulk_create(pending)
    return created
