"""Demo depart-when-full queues: a few destinations at the busy stations, vehicles waiting,
the head one half full, and the morning's departures (so the estimate has a history)."""

import random
from datetime import timedelta

from django.db import transaction

from louage.core import clock
from louage.stations.models import Station, Vehicle
from louage.trips.models import Trip

from . import services
from .models import Queue, QueuedVehicle

# origin city → destination cities with a queue
QUEUES = {
    "Tunis": ["Sousse", "Nabeul"],
    "Sousse": ["Tunis", "Monastir"],
    "Sfax": ["Tunis"],
}
OWNERS = [
    ("Lotfi Hamdi", "+21698201301"), ("Béchir Sassi", "+21698201302"),
    ("Mongi Dridi", "+21698201303"), ("Taoufik Ayadi", "+21698201304"),
    ("Ridha Mansour", "+21698201305"),
]  # fmt: skip


def _queue_vehicles(station, count, rng, offset):
    vehicles = []
    for n in range(count):
        plate = f"{210 + offset} TU {7000 + offset * 10 + n}"
        owner, phone = rng.choice(OWNERS)
        vehicle, _ = Vehicle.objects.get_or_create(
            plate=plate,
            defaults={"station": station, "owner_name": owner, "owner_phone": phone, "seats": 8},
        )  # fmt: skip
        vehicles.append(vehicle)
    return vehicles


@transaction.atomic
def seed_queues(stdout=None):
    if Queue.objects.exists():
        return
    rng = random.Random(10)
    offset = 0
    for origin_city, destinations in QUEUES.items():
        station = Station.objects.filter(city=origin_city, chief__isnull=False).first()
        if station is None:
            continue
        chief = station.chief
        for destination_city in destinations:
            destination = Station.objects.filter(city=destination_city).first()
            if destination is None:
                continue
            queue = services.create_queue(by=chief, destination_id=destination.pk)
            vehicles = _queue_vehicles(station, 5, rng, offset)
            offset += 1
            # Two vehicles left this morning, full: the estimate's history.
            for index, vehicle in enumerate(vehicles[:2]):
                services.add_vehicle(queue=queue, by=chief, vehicle_id=vehicle.pk)
                services.count_walk_in(queue=queue, seats=vehicle.seats, by=chief)
                trip = services.send_loading(queue=queue, by=chief)
                left = clock.now() - timedelta(minutes=40 + 50 * (1 - index))
                loaded = left - timedelta(minutes=rng.randint(18, 35))
                QueuedVehicle.objects.filter(trip=trip).update(loading_since=loaded, left_at=left)
                Trip.objects.filter(pk=trip.pk).update(departure=left, departed_at=left)
            for vehicle in vehicles[2:]:
                services.add_vehicle(queue=queue, by=chief, vehicle_id=vehicle.pk)
            services.count_walk_in(queue=queue, seats=rng.randint(2, 4), by=chief)
    if stdout:
        stdout.write(f"Queues: {Queue.objects.count()} depart-when-full queues.")
