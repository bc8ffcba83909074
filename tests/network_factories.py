from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from louage.stations.models import Station, Vehicle
from louage.trips.models import Fare, Trip
from tests.factories import ChiefFactory


class StationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Station

    name = factory.Sequence(lambda n: f"Station {n}")
    city = "Tunis"
    phone = "+21671000000"
    address = "Avenue Habib Bourguiba"
    latitude = Decimal("36.800000")
    longitude = Decimal("10.180000")
    chief = factory.SubFactory(ChiefFactory)


class VehicleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vehicle

    plate = factory.Sequence(lambda n: f"{100 + n % 900} TU {1000 + n}")
    owner_name = "Mohamed Ben Ali"
    owner_phone = "+21698000000"
    seats = 8
    station = factory.SubFactory(StationFactory)


class TripFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trip

    origin = factory.SubFactory(StationFactory)
    destination = factory.SubFactory(
        StationFactory, city="Sousse", latitude=Decimal("35.8256"), longitude=Decimal("10.6084")
    )
    vehicle = factory.LazyAttribute(lambda o: VehicleFactory(station=o.origin))
    departure = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=3))
    price = 12_000
    seats_total = 8
    seats_available = factory.LazyAttribute(lambda o: o.seats_total)


class FareFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fare
        django_get_or_create = ("origin_city", "destination_city")

    origin_city = "Tunis"
    destination_city = "Sousse"
    price = 12_750
