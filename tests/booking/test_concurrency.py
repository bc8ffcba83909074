"""Design §3.1 under real concurrency: many clients at once against the web server with several
worker processes, on SQLite and on a throwaway PostgreSQL cluster."""

import json
import random
import subprocess
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.servers import ROOT

pytestmark = pytest.mark.live

BACKENDS = ["sqlite", "postgres"]
SERVER_ENV = {"RATE_API_BOOKING": "100000/m", "RATE_API_TOKEN": "100000/m"}

SETUP = """
import json
from datetime import timedelta
from decimal import Decimal
from django.utils import timezone
from ninja_jwt.tokens import RefreshToken
from louage.accounts.models import User
from louage.stations.models import Station, Vehicle
from louage.trips.models import Trip

chief = User.objects.create_user("chief-{tag}@example.tn", role="chief", first_name="C", last_name="C")
origin = Station.objects.create(name="Origin {tag}", city="Tunis", latitude=Decimal("36.8"), longitude=Decimal("10.18"), chief=chief)
dest = Station.objects.create(name="Dest {tag}", city="Sousse", latitude=Decimal("35.8"), longitude=Decimal("10.6"))
vehicle = Vehicle.objects.create(plate="{plate}", owner_name="O", station=origin, seats=8)
trips = [Trip.objects.create(origin=origin, destination=dest, vehicle=vehicle, price=12000, seats_total=8,
         seats_available=8, departure=timezone.now() + timedelta(hours=3 + 3 * i)) for i in range({trips})]
clients = User.objects.bulk_create([User(email=f"c{{i}}-{tag}@example.tn", first_name="V", last_name=str(i), role="client", phone=f"+2169{{i:07d}}")
                                    for i in range({clients})])
tokens = [str(RefreshToken.for_user(u).access_token) for u in clients]
print(json.dumps({{"trips": [t.pk for t in trips], "tokens": tokens,
                  "chief": str(RefreshToken.for_user(chief).access_token)}}))
"""


def setup_race(server, *, clients, trips=1, tag="race"):
    plate = f"{random.randint(1, 999)} TU {random.randint(1, 9999)}"
    return server.shell_json(SETUP.format(tag=tag, plate=plate, trips=trips, clients=clients))


def call(server, method, path, token, payload=None):
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(
        server.url + path,
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def run_all(jobs, threads=50):
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(lambda job: job(), jobs))


def invariant(server, trip_id):
    """(seats_total, seats_available, seats held by live reservations) straight from the database."""
    total, available = server.sql(
        "SELECT seats_total, seats_available FROM trips_trip WHERE id = %s", (trip_id,)
    )[0]
    held = server.sql(
        "SELECT COALESCE(SUM(seats), 0) FROM booking_reservation WHERE trip_id = %s AND status IN ('pending', 'confirmed', 'boarded')",
        (trip_id,),
    )[0][0]
    return total, available, held


@pytest.mark.parametrize("backend", BACKENDS)
def test_100_clients_racing_for_8_seats_get_exactly_8(live_app, backend):
    server = live_app(backend, workers=4, env=SERVER_ENV)
    setup = setup_race(server, clients=100)
    trip_id = setup["trips"][0]
    jobs = [
        lambda t=t: call(
            server, "POST", "/api/v1/reservations", t, {"trip_id": trip_id, "seats": 1}
        )
        for t in setup["tokens"]
    ]
    statuses = [status for status, _ in run_all(jobs)]
    assert statuses.count(201) == 8, statuses
    assert statuses.count(409) == 92, statuses
    total, available, held = invariant(server, trip_id)
    assert (total, available, held) == (8, 0, 8)


@pytest.mark.parametrize("backend", BACKENDS)
def test_mixed_seat_counts_never_oversell(live_app, backend):
    server = live_app(backend, workers=4, env=SERVER_ENV)
    setup = setup_race(server, clients=60, trips=3)
    rng = random.Random(11)
    jobs = []
    for token in setup["tokens"]:
        trip_id, seats = rng.choice(setup["trips"]), rng.randint(1, 3)
        jobs.append(
            lambda t=token, trip=trip_id, n=seats: (
                trip,
                n,
                call(server, "POST", "/api/v1/reservations", t, {"trip_id": trip, "seats": n}),
            )
        )
    results = run_all(jobs)
    assert {status for _, _, (status, _) in results} <= {201, 409}
    for trip_id in setup["trips"]:
        granted = sum(n for trip, n, (status, _) in results if trip == trip_id and status == 201)
        total, available, held = invariant(server, trip_id)
        assert 0 <= available <= total
        assert total - available == held == granted
        # Nobody was turned away while enough seats remained for them.
        refused = [n for trip, n, (status, _) in results if trip == trip_id and status == 409]
        assert all(n > available for n in refused)


@pytest.mark.parametrize("backend", BACKENDS)
def test_cancellations_and_expiries_racing_new_bookings_keep_the_invariant(live_app, backend):
    server = live_app(backend, workers=4, env=SERVER_ENV)
    setup = setup_race(server, clients=80)
    trip_id = setup["trips"][0]
    holders, newcomers = setup["tokens"][:8], setup["tokens"][8:]
    first = run_all(
        [
            lambda t=t: call(
                server, "POST", "/api/v1/reservations", t, {"trip_id": trip_id, "seats": 1}
            )
            for t in holders
        ]
    )
    held_ids = [body["id"] for status, body in first if status == 201]
    assert len(held_ids) == 8
    # Half of the holds run out (their expiry moved into the past); the others are cancelled
    # or confirmed at the desk while 72 newcomers try to book and a sweep runs.
    server.sql("UPDATE booking_reservation SET expires_at = %s WHERE id IN (%s, %s, %s, %s)",
               ("2000-01-01 00:00:00+00:00", *held_ids[:4]))  # fmt: skip
    jobs = []
    for reservation_id, token in zip(held_ids[4:6], holders[4:6], strict=True):
        jobs.append(
            lambda r=reservation_id, t=token: call(
                server, "POST", f"/api/v1/reservations/{r}/cancel", t
            )
        )
    for reservation_id in held_ids[6:8]:
        jobs.append(
            lambda r=reservation_id: call(
                server, "POST", f"/api/v1/reservations/{r}/confirm", setup["chief"]
            )
        )
    jobs += [
        lambda t=t: call(
            server, "POST", "/api/v1/reservations", t, {"trip_id": trip_id, "seats": 1}
        )
        for t in newcomers
    ]
    sweeper = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "sweep_holds"], env=server.env, cwd=ROOT
    )
    results = run_all(jobs)
    sweeper.wait(timeout=120)
    assert all(status in (200, 201, 409) for status, _ in results), [
        r for r in results if r[0] not in (200, 201, 409)
    ]
    assert [status for status, _ in results[:4]] == [200] * 4
    booked = sum(1 for status, _ in results[4:] if status == 201)
    # A cancellation may lose every race for SQLite's write lock and land after the last
    # newcomer: the seat it gives back is then still free. The turned-away newcomers try
    # again, one at a time: no seat may have been lost or sold twice.
    turned_away = [
        t for t, (status, _) in zip(newcomers, results[4:], strict=True) if status == 409
    ]
    for token in turned_away:
        status, _ = call(
            server, "POST", "/api/v1/reservations", token, {"trip_id": trip_id, "seats": 1}
        )
        if status != 201:
            assert status == 409
            break
        booked += 1
    # 4 expired + 2 cancelled seats came back; 2 stayed confirmed: exactly 6 newcomers got one.
    assert booked == 6
    total, available, held = invariant(server, trip_id)
    assert (total, available, held) == (8, 0, 8)
    statuses = dict(
        server.sql(
            "SELECT status, COUNT(*) FROM booking_reservation WHERE trip_id = %s GROUP BY status",
            (trip_id,),
        )
    )
    assert statuses == {"expired": 4, "cancelled": 2, "confirmed": 2, "pending": 6}


OPPOSITE_ROUTES = """
import json
from datetime import timedelta
from django.utils import timezone
from louage.accounts.sessions import tokens_for
from tests.factories import ChiefFactory, ClientFactory
from tests.network_factories import StationFactory, TripFactory, VehicleFactory
a = StationFactory(city="Tunis", chief=ChiefFactory())
b = StationFactory(city="Sousse", chief=ChiefFactory())
trips = []
for i in range(6):
    origin, destination = (a, b) if i % 2 == 0 else (b, a)
    vehicle = VehicleFactory(station=origin, plate=f"{500 + i} TU {5000 + i}")
    trips.append(TripFactory(origin=origin, destination=destination, vehicle=vehicle,
                             departure=timezone.now() + timedelta(hours=4 + i)))
clients = ClientFactory.create_batch(60)
print(json.dumps({"trips": [t.pk for t in trips],
                  "tokens": [tokens_for(c)["access"] for c in clients]}))
"""


def test_bookings_and_cancels_both_ways_between_two_stations_never_deadlock(
    live_app, postgres_cluster
):
    """A→B and B→A departures of the same two stations, booked and cancelled from many
    processes at once: with only the trip rows locked, PostgreSQL finds nothing to deadlock."""
    server = live_app("postgres", workers=4, env=SERVER_ENV)
    setup = server.shell_json(OPPOSITE_ROUTES)
    rng = random.Random(7)

    def book_then_cancel(token):
        trip_id = rng.choice(setup["trips"])
        status, body = call(server, "POST", "/api/v1/reservations", token,
                            {"trip_id": trip_id, "seats": 1})  # fmt: skip
        if status != 201:
            return [status]
        status_2, _ = call(server, "POST", f"/api/v1/reservations/{body['id']}/cancel", token)
        return [status, status_2]

    log_before = len(postgres_cluster.log_text())
    statuses = [s for pair in run_all([lambda t=t: book_then_cancel(t) for t in
                                       setup["tokens"] * 3], threads=40) for s in pair]  # fmt: skip
    assert set(statuses) <= {200, 201, 409}, sorted(set(statuses))
    assert statuses.count(201) >= 60
    assert "deadlock detected" not in postgres_cluster.log_text()[log_before:]
    for trip_id in setup["trips"]:
        total, available, held = invariant(server, trip_id)
        assert total - available == held


KEY_SHARE_PROBE = """
import json, os
import psycopg
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from louage.booking import services
from tests.factories import ClientFactory
from tests.network_factories import TripFactory
client, trip = ClientFactory(phone="+21698000111"), TripFactory()
with CaptureQueriesContext(connection) as ctx:
    services.reserve_seats(trip=trip, client=client, seats=1)
locks = [q["sql"] for q in ctx.captured_queries if " FOR " in q["sql"] and q["sql"].startswith("SELECT")]
blocked = []
with transaction.atomic():
    for sql in locks:  # the booking's locks, held as the booking holds them
        connection.cursor().execute(sql)
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as other:
        other.execute("SET lock_timeout = '1s'")
        for table, pk in (("accounts_user", client.pk), ("trips_trip", trip.pk)):
            try:  # the lock a row insert pointing at this one takes (a notification, a sales row)
                other.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR KEY SHARE", (pk,))
            except psycopg.errors.LockNotAvailable:
                blocked.append(table)
print(json.dumps({"locks": locks, "blocked": blocked}))
"""


def test_a_bookings_locks_never_block_rows_inserted_pointing_at_them(live_app):
    """The soak's deadlock: the relay inserted a sales row for the trip (KEY SHARE on the
    trip), then a notification for the client (KEY SHARE on the client), while a booking of
    that client held the client row FOR UPDATE and waited for the trip. Services lock FOR NO
    KEY UPDATE, which excludes other services but lets such inserts through."""
    server = live_app("postgres", workers=1, env=SERVER_ENV)
    probe = server.shell_json(KEY_SHARE_PROBE)
    assert len(probe["locks"]) >= 2, probe["locks"]  # the client row and the trip row
    assert all("FOR NO KEY UPDATE" in sql for sql in probe["locks"]), probe["locks"]
    assert probe["blocked"] == []
