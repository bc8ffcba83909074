"""Booking throughput on PostgreSQL (gunicorn, 4 workers): many trips vs everyone on one trip."""

import json

from benchmarks._load import request, run, show
from tests.support.servers import LiveAppFactory, PostgresCluster

SETUP = """
import json
from datetime import timedelta
from decimal import Decimal
from django.utils import timezone
from ninja_jwt.tokens import RefreshToken
from louage.accounts.models import User
from louage.stations.models import Station, Vehicle
from louage.trips.models import Trip
a = Station.objects.create(name="Bench A", city="Tunis", latitude=Decimal("36.8"), longitude=Decimal("10.18"))
b = Station.objects.create(name="Bench B", city="Sousse", latitude=Decimal("35.8"), longitude=Decimal("10.6"))
vehicles = Vehicle.objects.bulk_create([Vehicle(plate=f"{i + 1} TU {i + 1}", owner_name="B", station=a, seats=8) for i in range(400)])
trips = Trip.objects.bulk_create([Trip(origin=a, destination=b, vehicle=v, price=12000, seats_total=8, seats_available=8,
    departure=timezone.now() + timedelta(days=1, minutes=i)) for i, v in enumerate(vehicles)])
clients = User.objects.bulk_create([User(email=f"bench{i}@example.tn", role="client", phone=f"+2169{i:07d}") for i in range(3000)])
print(json.dumps({"trips": [t.pk for t in trips], "tokens": [str(RefreshToken.for_user(u).access_token) for u in clients]}))
"""


def main():
    cluster = PostgresCluster().start()
    factory = LiveAppFactory(get_cluster=lambda: cluster)
    try:
        server = factory(
            "postgres", workers=4, env={"RATE_API_BOOKING": "1000000/m", "ACCESS_LOG": "0"}
        )
        data = server.shell_json(SETUP)
        tokens, trips = data["tokens"], data["trips"]
        url = f"{server.url}/api/v1/reservations"

        def book(token, trip_id):
            return lambda: request(
                url, method="POST", token=token, payload={"trip_id": trip_id, "seats": 1}
            )

        low = [
            book(tokens[i], trips[i % (len(trips) - 1)]) for i in range(1500)
        ]  # the last trip stays empty
        show("low contention (1500 bookings, 400 trips)", run(low, threads=16))
        one = [book(tokens[1500 + i], trips[-1]) for i in range(1000)]
        figures = run(one, threads=16)
        show("high contention (1000 clients, 1 trip)", figures)
        left = server.sql("SELECT seats_available FROM trips_trip WHERE id = %s", (trips[-1],))[0][
            0
        ]
        booked = figures["statuses"].get(201, 0)
        print(
            f"   one-trip check: {booked} booked, {left} seats left, oversold: {json.dumps(booked + left != 8)}"
        )
    finally:
        factory.close()
        cluster.stop()
