"""Sales report time on the 100,000-departure network with its bookings (SQLite, then PostgreSQL)."""

import statistics
import time

from benchmarks._load import request
from tests.support.servers import LiveAppFactory, PostgresCluster

GENERATE = """
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo
from ninja_jwt.tokens import RefreshToken
from louage.accounts.models import User
from tests.support.network_data import generate_bookings, generate_network
start = datetime.now(ZoneInfo("Africa/Tunis")).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=20)
stations = generate_network(stations=50, trips=100_000, start=start, days=60, seed=1)
reservations, payments = generate_bookings(seed=1)
from louage.reporting import sales
sales.rebuild()  # bulk-generated rows carry no event: compute the departures' sales once
admin = User.objects.create(email="bench-admin@example.tn", role="admin")
print(json.dumps({"station": stations[0].pk, "reservations": reservations, "payments": payments,
    "first": start.date().isoformat(), "last": (start + timedelta(days=59)).date().isoformat(),
    "token": str(RefreshToken.for_user(admin).access_token)}))
"""
TARGET_MS = 300
ROUNDS = 15


def measure(server, data, label, query):
    url = f"{server.url}/api/v1/reports/sales?{query}"
    request(url, token=data["token"])  # warm-up
    times = []
    for _ in range(ROUNDS):
        status, seconds = request(url, token=data["token"])
        assert status == 200, status
        times.append(seconds * 1000)
    median = statistics.median(times)
    verdict = "under" if median < TARGET_MS else "OVER"
    print(
        f"   {label:<46} median {median:7.1f} ms   min {min(times):7.1f} ms   "
        f"max {max(times):7.1f} ms   ({verdict} the {TARGET_MS} ms target)",
        flush=True,
    )


def run(server):
    started = time.monotonic()
    data = server.shell_json(GENERATE)
    if not server.database_url.startswith("sqlite"):
        server.sql("ANALYZE")  # what autovacuum does on a database that has lived
    count = server.sql("SELECT COUNT(*) FROM trips_trip")[0][0]
    print(
        f"   data set: {count} departures, {data['reservations']} reservations, "
        f"{data['payments']} payments (made in {time.monotonic() - started:.0f} s)",
        flush=True,
    )
    everything = f"from={data['first']}&to={data['last']}"
    measure(server, data, "GET /reports/sales, last 30 days", "")
    measure(server, data, "GET /reports/sales, all 60 days", everything)
    measure(
        server,
        data,
        "GET /reports/sales, one station, 60 days",
        f"{everything}&station_id={data['station']}",
    )


def main():
    factory = LiveAppFactory(get_cluster=None)
    try:
        print("   SQLite (web server, 2 workers)", flush=True)
        run(factory("sqlite", workers=2, env={"ACCESS_LOG": "0"}))
    finally:
        factory.close()
    cluster = PostgresCluster().start()
    factory = LiveAppFactory(get_cluster=lambda: cluster)
    try:
        print("   PostgreSQL (web server, 2 workers)", flush=True)
        run(factory("postgres", workers=2, env={"ACCESS_LOG": "0"}))
    finally:
        factory.close()
        cluster.stop()
