"""A station with a depart-when-full queue to Sousse and vehicles arriving at it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from louage.queues import services
from tests.network_factories import FareFactory, VehicleFactory

FARE = 12_750


class Clock:
    def __init__(self):
        self.now = timezone.now()

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr("louage.core.clock.now", fake)
    return fake


@pytest.fixture
def fare(db):
    return FareFactory(origin_city="Tunis", destination_city="Sousse", price=FARE)


@pytest.fixture
def queue(station, other_station, fare, chief_user):
    return services.create_queue(by=chief_user, destination_id=other_station.pk)


@pytest.fixture
def vehicles(station):
    """Arriving vehicles of the station: three 8-seaters and a 4-seater."""
    return [
        VehicleFactory(station=station, plate="101 TU 1001", owner_name="Ali Ben Salah"),
        VehicleFactory(station=station, plate="102 TU 1002", owner_name="Ali Ben Salah"),
        VehicleFactory(station=station, plate="103 TU 1003", owner_name="Hédi Trabelsi"),
        VehicleFactory(station=station, plate="104 TU 1004", owner_name="Mounir Jlassi", seats=4),
    ]


@pytest.fixture
def lined_up(queue, vehicles, chief_user):
    """The first three vehicles in the queue, the first one loading."""
    for vehicle in vehicles[:3]:
        services.add_vehicle(queue=queue, by=chief_user, vehicle_id=vehicle.pk)
    return queue
