"""Next-louage booking on PostgreSQL (the web server, 4 workers, wrk): everyone into one queue of 100
vehicles, and reads of the queue."""

import json

from benchmarks import _wrk
from tests.support.servers import LiveAppFactory, PostgresCluster

SETUP = """
import json
from decimal import Decimal
from ninja_jwt.tokens import RefreshToken
from louage.accounts.models import User
from louage.queues import services
from louage.stations.models import Station, Vehicle
from louage.trips.models import Fare
chief = User.objects.create_user("bench-chief@example.tn", role="chief")
a = Station.objects.create(name="Bench A", city="Tunis", latitude=Decimal("36.8"), longitude=Decimal("10.18"), chief=chief)
b = Station.objects.create(name="Bench B", city="Sousse", latitude=Decimal("35.8"), longitude=Decimal("10.6"))
Fare.objects.create(origin_city="Tunis", destination_city="Sousse", price=12750)
queue = services.create_queue(by=chief, destination_id=b.pk)
for i in range(100):
    vehicle = Vehicle.objects.create(plate=f"{i + 1} TU {i + 1}", owner_name="B", station=a, seats=8)
    services.add_vehicle(queue=queue, by=chief, vehicle_id=vehicle.pk)
clients = User.objects.bulk_create([User(email=f"bench{i}@example.tn", role="client", phone=f"+2169{i:07d}") for i in range(1000)])
print(json.dumps({"queue": queue.pk, "tokens": [str(RefreshToken.for_user(u).access_token) for u in clients]}))
"""


def show(label, figures):
    print(f"   {label:<42} {figures['per_second']:8.1f} req/s   p50 {figures['p50_ms']:7.1f} ms   "
          f"p99 {figures['p99_ms']:7.1f} ms   {figures['requests']} requests "
          f"{figures['statuses']}", flush=True)  # fmt: skip


def main():
    cluster = PostgresCluster().start()
    factory = LiveAppFactory(get_cluster=lambda: cluster)
    try:
        server = factory(
            "postgres",
            workers=4,
            env={
                "RATE_API_BOOKING": "1000000/m",
                "RATE_API_ANONYMOUS": "100000000/m",
                "ACCESS_LOG": "0",
            },
        )
        data = server.shell_json(SETUP)
        booking = _wrk.data_file(tokens=data["tokens"], queues=[data["queue"]])
        show("1000 clients, one queue of 100 vehicles",
             _wrk.run(server.url, mode="queue", seconds=15, connections=16, data=booking))  # fmt: skip
        reads = _wrk.data_file(queries=["__unused__"])
        figures = _wrk.run(
            server.url.rstrip("/") + f"/api/v1/queues/{data['queue']}", mode="path",
            seconds=10, connections=16, data=reads,
        )  # fmt: skip
        show("GET /api/v1/queues/{id} (100 vehicles)", figures)
        over = server.sql(
            "SELECT COUNT(*) FROM trips_trip t WHERE t.seats_total - t.seats_available <> "
            "(SELECT COALESCE(SUM(seats), 0) FROM booking_reservation r WHERE r.trip_id = t.id "
            "AND r.status IN ('pending', 'confirmed', 'boarded')) OR t.seats_available < 0"
        )[0][0]
        vehicles = server.sql("SELECT COUNT(*) FROM trips_trip WHERE kind = 'queue'")[0][0]
        print(f"   {vehicles} vehicles used, seat invariant broken on: {json.dumps(over)}")
    finally:
        factory.close()
        cluster.stop()
