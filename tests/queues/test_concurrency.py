"""Depart-when-full queues under real concurrency (the web server with 4 workers, SQLite and
PostgreSQL): online bookings, desk sales and walk-ins racing on one loading vehicle, and two
tabs sending the same vehicle."""

import random
import urllib.error
import urllib.request

import pytest

from tests.booking.test_concurrency import BACKENDS, SERVER_ENV, call, invariant, run_all

pytestmark = pytest.mark.live

SETUP = """
import json
from decimal import Decimal
from ninja_jwt.tokens import RefreshToken
from louage.accounts.models import User
from louage.queues import services
from louage.stations.models import Station, Vehicle
from louage.trips.models import Fare

chief = User.objects.create_user("chief-q@example.tn", role="chief", first_name="C", last_name="C")
origin = Station.objects.create(name="Tunis Q", city="Tunis", latitude=Decimal("36.8"), longitude=Decimal("10.18"), chief=chief)
dest = Station.objects.create(name="Sousse Q", city="Sousse", latitude=Decimal("35.8"), longitude=Decimal("10.6"))
Fare.objects.create(origin_city="Tunis", destination_city="Sousse", price=12750)
queue = services.create_queue(by=chief, destination_id=dest.pk)
vehicles = [Vehicle.objects.create(plate=f"{{300 + n}} TU {{8000 + n}}", owner_name="O", station=origin, seats=8)
            for n in range({vehicles})]
for vehicle in vehicles:
    services.add_vehicle(queue=queue, by=chief, vehicle_id=vehicle.pk)
clients = User.objects.bulk_create([User(email=f"q{{i}}@example.tn", first_name="V", last_name=str(i), role="client",
                                         phone=f"+2169{{i:07d}}")
                                    for i in range({clients})])
print(json.dumps({{"queue": queue.pk, "plates": [v.plate for v in vehicles],
                  "tokens": [str(RefreshToken.for_user(u).access_token) for u in clients],
                  "chief": str(RefreshToken.for_user(chief).access_token)}}))
"""


def setup_queue(server, *, vehicles, clients):
    return server.shell_json(SETUP.format(vehicles=vehicles, clients=clients))


def vehicles_state(server, queue_id):
    """[(trip_id, plate, seats_total, seats_available, status)] in queue order."""
    return server.sql(
        "SELECT t.id, v.plate, t.seats_total, t.seats_available, t.status "
        "FROM queues_queuedvehicle q JOIN trips_trip t ON t.id = q.trip_id "
        "JOIN stations_vehicle v ON v.id = q.vehicle_id WHERE q.queue_id = %s "
        "ORDER BY CASE WHEN q.status = 'departed' THEN 0 WHEN q.status = 'loading' THEN 1 ELSE 2 END, q.position",
        (queue_id,),
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_online_desk_and_walk_ins_racing_never_overfill_a_vehicle_nor_split_a_booking(
    live_app, backend
):
    server = live_app(backend, workers=4, env=SERVER_ENV)
    setup = setup_queue(server, vehicles=3, clients=40)
    queue_id, chief = setup["queue"], setup["chief"]
    rng = random.Random(7)
    jobs = []
    for token in setup["tokens"]:
        seats = rng.randint(1, 3)
        jobs.append(("online", seats, lambda t=token, n=seats: call(
            server, "POST", "/api/v1/reservations", t, {"queue_id": queue_id, "seats": n})))  # fmt: skip
    for n in range(12):
        seats = rng.randint(1, 2)
        jobs.append(("desk", seats, lambda n=seats, i=n: call(
            server, "POST", "/api/v1/reservations/desk", chief,
            {"queue_id": queue_id, "seats": n, "passenger_name": f"Guichet {i}"})))  # fmt: skip
    for _ in range(12):
        seats = rng.randint(1, 2)
        jobs.append(("door", seats, lambda n=seats: call(
            server, "POST", f"/api/v1/queues/{queue_id}/walk-ins", chief, {"seats": n})))  # fmt: skip
    rng.shuffle(jobs)
    results = run_all([job for _, _, job in jobs])
    outcomes = [
        (kind, seats, status, body)
        for (kind, seats, _), (status, body) in zip(jobs, results, strict=True)
    ]
    assert {status for _, _, status, _ in outcomes} <= {201, 409}, outcomes
    state = vehicles_state(server, queue_id)
    plates = [plate for _, plate, *_ in state]
    free = {plate: available for _, plate, _total, available, _ in state}
    for trip_id, plate, total, _available, _status in state:
        seats_total, seats_available, held = invariant(server, trip_id)
        assert 0 <= seats_available <= seats_total == total == 8
        assert seats_total - seats_available == held, plate  # design.md §3.1, per vehicle
    granted = [(kind, seats, body) for kind, seats, status, body in outcomes if status == 201]
    assert sum(seats for _, seats, _ in granted) == sum(8 - free[p] for p in plates)
    for kind, seats, body in granted:
        assert body["seats"] == seats  # never split: the whole booking on one vehicle
        plate = body["trip"]["vehicle_plate"]
        if kind == "door":
            assert plate == plates[0], "walk-ins get in the loading vehicle only"
        else:
            # Placed further back only when every vehicle ahead lacked room for all of it.
            ahead = plates[: plates.index(plate)]
            assert all(free[p] < seats for p in ahead), (kind, seats, plate, free)
    for kind, seats, status, body in outcomes:
        if status == 409:
            room = [free[plates[0]]] if kind == "door" else list(free.values())
            assert all(r < seats for r in room), (kind, seats, body, free)
    assert any(body["trip"]["vehicle_plate"] != plates[0] for _, _, body in granted)  # overflow
    statuses = dict(server.sql(
        "SELECT status, COUNT(*) FROM booking_reservation GROUP BY status"))  # fmt: skip
    assert set(statuses) <= {"pending", "confirmed", "boarded"}


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_tabs_sending_the_same_vehicle_send_it_once_while_bookings_race(live_app, backend):
    server = live_app(backend, workers=4, env=SERVER_ENV)
    setup = setup_queue(server, vehicles=3, clients=24)
    queue_id, chief = setup["queue"], setup["chief"]
    first_trip = vehicles_state(server, queue_id)[0][0]
    sends = [lambda: call(server, "POST", f"/api/v1/trips/{first_trip}/depart", chief)] * 8
    books = [
        lambda t=token: call(server, "POST", "/api/v1/reservations", t, {"queue_id": queue_id, "seats": 2})
        for token in setup["tokens"]
    ]  # fmt: skip
    walk_ins = [
        lambda: call(server, "POST", f"/api/v1/queues/{queue_id}/walk-ins", chief, {"seats": 1})
    ] * 6
    jobs = sends + books + walk_ins
    order = list(range(len(jobs)))
    random.Random(3).shuffle(order)
    results = dict(zip(order, run_all([jobs[i] for i in order]), strict=True))
    send_statuses = sorted(results[i][0] for i in range(len(sends)))
    assert send_statuses == [200] + [409] * 7, send_statuses
    state = vehicles_state(server, queue_id)
    assert [status for *_, status in state].count("departed") == 1
    loading = server.sql(
        "SELECT COUNT(*) FROM queues_queuedvehicle WHERE queue_id = %s AND status = 'loading'",
        (queue_id,),
    )[0][0]
    assert loading == 1  # the next vehicle loads, exactly one
    for trip_id, plate, *_ in state:
        total, available, held = invariant(server, trip_id)
        assert 0 <= available <= total and total - available == held, plate
    # Nobody got in after the vehicle left: walk-ins on it were counted before it was sent.
    late = server.sql(
        "SELECT COUNT(*) FROM booking_reservation r JOIN trips_trip t ON t.id = r.trip_id "
        "WHERE t.id = %s AND r.status = 'boarded' AND r.created_at > t.departed_at",
        (first_trip,),
    )[0][0]
    assert late == 0
    # Unpaid holds on the vehicle that left were cancelled, never left hanging.
    hanging = server.sql(
        "SELECT COUNT(*) FROM booking_reservation WHERE trip_id = %s AND status = 'pending'",
        (first_trip,),
    )[0][0]
    assert hanging == 0
    assert all(
        status in (201, 409) for status, _ in (results[i] for i in range(len(sends), len(jobs)))
    )


def test_hostile_queue_and_fare_queries_get_a_4xx_on_postgresql(live_app):
    server = live_app("postgres", workers=1, env=SERVER_ENV)
    for path in (
        "/api/v1/queues?origin=%00",
        "/api/v1/queues?destination=a%00b",
        "/api/v1/fares?origin_city=%00",
        "/api/v1/trips?origin=%00",
        "/departs/?origin=%00",
    ):
        request = urllib.request.Request(server.url + path)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        assert status < 500, (path, status)
