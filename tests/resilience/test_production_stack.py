"""Production mode, proven by faults (`make resilience`; also part of `make test`).

Debian's nginx in front of two Louage instances (louage.core.web, production settings) on one
PostgreSQL and one Redis, with two task workers; a steady load of searches, holds and cancels
goes through nginx while, one after the other: a web worker is SIGKILLed, PostgreSQL
stops for 10 s, Redis stops for 10 s, a web master gets HUP; then 100 clients race for
one departure through both instances, and a backup is restored into a fresh database.
One table is printed; every bound of the issue is asserted.
"""

import json
import os
import secrets
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import psycopg
import pytest

from tests.support.load import SteadyLoad
from tests.support.servers import (
    EventRelay,
    LiveServer,
    MissingSystemPackage,
    NginxServer,
    PostgresCluster,
    RedisServer,
    Sweeper,
    TaskWorker,
    base_env,
    manage,
)
from tests.support.system import missing_system_package

pytestmark = [pytest.mark.live, pytest.mark.resilience]

OUTAGE_SECONDS = 10
RECOVERY_BOUND_SECONDS = 5

SETUP = """
import json
from datetime import timedelta
from django.utils import timezone
from louage.accounts.sessions import tokens_for
from tests.factories import ChiefFactory, ClientFactory
from tests.network_factories import StationFactory, TripFactory, VehicleFactory
cities = ["Tunis", "Sousse", "Sfax", "Nabeul", "Bizerte", "Kairouan"]
chief = ChiefFactory()
stations = [StationFactory(city=c, chief=chief if i == 0 else None) for i, c in enumerate(cities)]
now = timezone.now()
trips = []
for i in range(60):
    origin = stations[i % 6]
    destination = stations[(i + 1 + i // 6) % 6]
    if destination == origin:
        destination = stations[(i + 2) % 6]
    vehicle = VehicleFactory(station=origin, plate=f"{10 + i} TU {1000 + i}")
    trips.append(TripFactory(origin=origin, destination=destination, vehicle=vehicle,
                             departure=now + timedelta(hours=6 + i)))
race_vehicle = VehicleFactory(station=stations[0], plate="999 TU 9999")
race = TripFactory(origin=stations[0], destination=stations[1], vehicle=race_vehicle,
                   departure=now + timedelta(days=2))
quiet_vehicle = VehicleFactory(station=stations[0], plate="998 TU 9998")
quiet = TripFactory(origin=stations[0], destination=stations[2], vehicle=quiet_vehicle,
                    departure=now + timedelta(days=3))
clients = ClientFactory.create_batch(160)
print(json.dumps({
    "trips": [t.pk for t in trips if t.origin.chief_id != chief.pk],
    "chief_trips": [t.pk for t in trips if t.origin.chief_id == chief.pk],
    "race": race.pk, "quiet": quiet.pk,
    "stations": [s.pk for s in stations],
    "tokens": [tokens_for(c)["access"] for c in clients],
    "chief": tokens_for(chief)["access"],
}))
"""


class Table:
    def __init__(self):
        self.rows = []

    def add(self, fault, answers, failed, recovery="", bound=""):
        self.rows.append((fault, len(answers), len(failed), recovery, bound))

    def print(self):
        header = ("fault", "requests", "failed", "recovery (s)", "bound")
        widths = [max(len(str(r[i])) for r in [header, *self.rows]) for i in range(5)]
        lines = [" | ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True))
                 for row in [header, *self.rows]]  # fmt: skip
        print("\n" + "\n".join(lines))


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    root = tmp_path_factory.mktemp("stack")
    parts = []
    try:
        cluster = PostgresCluster().start()
        parts.append(cluster)
        redis = RedisServer().start()
        parts.append(redis)
    except MissingSystemPackage as exc:
        for part in parts:
            part.stop()
        missing_system_package("postgresql redis-server nginx-light", str(exc))
    url = cluster.create_database("louage")
    env = {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "JWT_SIGNING_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": url,
        "REDIS_URL": redis.url,
        "TRUSTED_PROXY_COUNT": "1",
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_ROOT": str(root / "static"),
        "MEDIA_ROOT": str(root / "media"),
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "WARNING",
        "METRICS_TOKEN": "metrics-" + secrets.token_hex(8),
        "MAX_PENDING_HOLDS": "1000",
        "MAX_HELD_SEATS": "1000",
        "HOLD_COOLDOWN_AFTER_EXPIRED": "0",
        "RATE_API_BOOKING": "100000/m",
        "RATE_API_ANONYMOUS": "10000000/m",  # the load comes from one address
        "EVENTS_RELAY_INLINE": "false",
    }
    setup_env = base_env(LOUAGE_VAR_DIR=root, **env)
    manage(setup_env, "migrate", "--noinput", "-v0")
    manage(setup_env, "collectstatic", "--noinput", "-v0")
    data = json.loads(manage(setup_env, "shell", "-c", SETUP).strip().splitlines()[-1])
    servers, workers = [], []
    try:
        for index in (1, 2):
            workdir = root / f"instance{index}"
            workdir.mkdir()
            server = LiveServer(database_url=url, workdir=workdir, workers=3, env=env).start()
            servers.append(server)
            workers.append(TaskWorker(server.env, workdir / "tasks.log").start())
            workers.append(EventRelay(server.env, workdir / "relay.log").start())
            # Both hosts run a sweeper, as two machines would: they must not step on each other.
            workers.append(Sweeper(server.env, workdir / "sweeper.log").start())
        nginx = NginxServer(
            upstreams=[s.url.removeprefix("http://") for s in servers],
            static_root=root / "static", media_root=root / "media",
        ).start()  # fmt: skip
    except MissingSystemPackage as exc:
        missing_system_package("nginx-light", str(exc))
    yield {
        "cluster": cluster, "redis": redis, "servers": servers, "workers": workers,
        "nginx": nginx, "data": data, "env": setup_env, "root": root, "url": url,
    }  # fmt: skip
    nginx.stop()
    for worker in workers:
        worker.stop()
    for server in servers:
        server.stop()
    redis.stop()
    cluster.stop()


def sql(stack, query, params=()):
    return stack["servers"][0].sql(query, params)


def invariant_breaches(stack):
    return sql(
        stack,
        "SELECT t.id FROM trips_trip t LEFT JOIN (SELECT trip_id, SUM(seats) AS held "
        "FROM booking_reservation WHERE status IN ('pending', 'confirmed', 'boarded') "
        "GROUP BY trip_id) r ON r.trip_id = t.id "
        "WHERE t.seats_available < 0 OR t.seats_available > t.seats_total "
        "OR t.seats_total - t.seats_available <> COALESCE(r.held, 0)",
    )


def desk_sale(base_url, token, trip_id):
    response = httpx.post(
        base_url + "/api/v1/reservations/desk",
        json={"trip_id": trip_id, "seats": 1, "passenger_name": "Walk In",
              "passenger_phone": "98 111 222"},
        headers={"Authorization": f"Bearer {token}"}, timeout=30,
    )  # fmt: skip
    return response.status_code, response.json()


def wait_until(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_the_production_stack_survives_every_fault(stack):
    data, nginx, table = stack["data"], stack["nginx"], Table()
    load = SteadyLoad(
        nginx.url, trips=data["trips"], tokens=data["tokens"], stations=data["stations"],
        threads=6,
    ).start()  # fmt: skip
    try:
        # Static files come from nginx, the app answers through it.
        assert httpx.get(nginx.url + "/static/css/louage.css").status_code == 200
        assert httpx.get(nginx.url + "/readyz").status_code == 200

        # 0. steady state
        start = time.monotonic()
        time.sleep(4)
        answers = load.between(start, time.monotonic())
        table.add("none (steady load)", answers, load.failed(answers), bound="0 failed")
        assert not load.failed(answers)

        # 1. SIGKILL of one web worker: only what it was serving may fail.
        server = stack["servers"][0]
        victim = server.worker_pids()[0]
        start = time.monotonic()
        os.kill(victim, signal.SIGKILL)
        assert wait_until(lambda: victim not in server.worker_pids()
                          and len(server.worker_pids()) == 3, 15)  # fmt: skip
        time.sleep(3)
        answers = load.between(start, time.monotonic())
        failed = load.failed(answers)
        table.add("SIGKILL one worker", answers, failed, bound=f"<= {load.threads} in flight")
        assert len(failed) <= load.threads

        # 2. PostgreSQL stops for 10 s, with confirmed seats and a hold whose expiry
        # falls due in the middle of the outage.
        confirmed = []
        for trip_id in data["chief_trips"][:3]:
            status, sale = desk_sale(nginx.url, data["chief"], trip_id)
            assert status == 201, sale
            confirmed.append(sale["id"])
        token = data["tokens"][-1]
        held = httpx.post(nginx.url + "/api/v1/reservations", json={"trip_id": data["quiet"],
                          "seats": 2}, headers={"Authorization": f"Bearer {token}"}).json()  # fmt: skip
        sql(stack, "UPDATE booking_reservation SET expires_at = now() + interval '4 seconds' "
                   "WHERE id = %s", (held["id"],))  # fmt: skip
        stack["cluster"].pause()
        down = time.monotonic()
        time.sleep(OUTAGE_SECONDS)
        during = load.between(down + 1, time.monotonic())
        stack["cluster"].resume()
        up = time.monotonic()
        assert wait_until(lambda: httpx.get(nginx.url + "/readyz").status_code == 200, 10)
        time.sleep(RECOVERY_BOUND_SECONDS + 3)
        statuses = {a.status for a in during}
        slow = [a for a in during if a.ended - a.started > 5]
        assert statuses <= {503, 401, 404, 409, 429, 200, 201}, statuses
        assert 503 in statuses and not slow, (statuses, len(slow))
        after = load.between(up + RECOVERY_BOUND_SECONDS, time.monotonic())
        last_bad = max((a.ended for a in load.between(up, time.monotonic())
                        if a.status >= 500 or a.status == 0), default=up)  # fmt: skip
        table.add("PostgreSQL stopped 10 s", load.between(down, time.monotonic()),
                  load.failed(after), recovery=f"{max(0.0, last_bad - up):.1f}",
                  bound="503 during, 0 failed 5 s after")  # fmt: skip
        assert after and not load.failed(after)
        rows = sql(stack, "SELECT id, status FROM booking_reservation WHERE id IN (%s, %s, %s)",
                   tuple(confirmed))  # fmt: skip
        assert sorted(rows) == sorted((rid, "confirmed") for rid in confirmed)
        assert wait_until(lambda: sql(stack, "SELECT status FROM booking_reservation WHERE "
                                      "id = %s", (held["id"],)) == [("expired",)], 20)  # fmt: skip

        # 3. Redis stops for 10 s: rate limits and cache degrade, bookings go on.
        stack["redis"].pause()
        down = time.monotonic()
        time.sleep(OUTAGE_SECONDS)
        stack["redis"].resume()
        answers = load.between(down, time.monotonic())
        holds = [a for a in answers if a.kind == "hold"]
        table.add("Redis stopped 10 s", answers, load.failed(answers), bound="0 failed")
        assert holds and not load.failed(answers)

        # 4. HUP: the master reloads the code and replaces its workers, nobody notices.
        start = time.monotonic()
        old = set(stack["servers"][1].worker_pids())
        stack["servers"][1].signal_master(signal.SIGHUP)
        assert wait_until(lambda: not old & set(stack["servers"][1].worker_pids()), 30)
        time.sleep(2)
        answers = load.between(start, time.monotonic())
        table.add("HUP one master", answers, load.failed(answers), bound="0 failed")
        assert not load.failed(answers)
    finally:
        load.stop()

    # 5. 100 clients race for the 8 seats of one departure through both instances.
    tokens = data["tokens"][:100]

    def book(token):
        response = httpx.post(
            nginx.url + "/api/v1/reservations", json={"trip_id": data["race"], "seats": 1},
            headers={"Authorization": f"Bearer {token}"}, timeout=60,
        )  # fmt: skip
        return response.status_code

    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(book, tokens))
    table.add("100 clients, 8 seats", statuses, [s for s in statuses if s >= 500],
              bound="8 x 201, 92 x 409")  # fmt: skip
    assert sorted(statuses) == [201] * 8 + [409] * 92, statuses
    assert invariant_breaches(stack) == []

    # Both task workers took tasks, and no task ran twice.
    runs = sql(stack, "SELECT worker_ids::text FROM django_tasks_database_dbtaskresult "
                      "WHERE status = 'SUCCESSFUL'")  # fmt: skip
    worker_lists = [json.loads(r[0]) for r in runs]
    assert worker_lists and all(len(ids) == 1 for ids in worker_lists)
    assert len({ids[0] for ids in worker_lists}) == 2

    # 6. A backup restored into a fresh database holds every reservation.
    backup = stack["root"] / "louage.pgdump"
    manage(stack["env"], "backup", "--output", str(backup))
    fresh_url = stack["cluster"].create_database("restored")
    manage({**stack["env"], "DATABASE_URL": fresh_url}, "restore", str(backup), "--yes")
    original = sql(stack, "SELECT id, status, seats FROM booking_reservation ORDER BY id")
    with psycopg.connect(fresh_url) as conn:
        restored = conn.execute(
            "SELECT id, status, seats FROM booking_reservation ORDER BY id"
        ).fetchall()
    table.add("backup restored", original, [], bound="every reservation")
    assert restored == original and len(original) > 100
    table.print()


def test_metrics_through_nginx_need_the_token(stack):
    nginx = stack["nginx"]
    assert httpx.get(nginx.url + "/metrics").status_code == 401
    token = stack["env"]["METRICS_TOKEN"]
    response = httpx.get(nginx.url + "/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert "louage_http_requests_total" in response.text
    assert "louage_task_queue_depth" in response.text


def test_every_request_leaves_one_json_line_with_its_id(stack):
    response = httpx.get(stack["nginx"].url + "/api/v1/stations")
    request_id = response.headers["X-Request-ID"]
    time.sleep(0.5)
    lines = []
    for server in stack["servers"]:
        for line in server.log.read_text().splitlines():
            if request_id in line:
                lines.append(json.loads(line))
    assert len(lines) == 1, lines
    [line] = lines
    assert (line["route"], line["status"], line["method"]) == ("api:list_stations", 200, "GET")
    assert {"time", "duration_ms", "pid", "user_id", "request_id"} <= set(line)
