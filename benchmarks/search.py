"""Search API throughput on 50 stations and 100,000 departures (SQLite, gunicorn, 4 workers)."""

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from benchmarks._load import request, run, show
from tests.support.servers import LiveAppFactory

GENERATE = """
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo
from tests.support.network_data import generate_network
start = datetime.now(ZoneInfo("Africa/Tunis")).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=20)
stations = generate_network(stations=50, trips=100_000, start=start, days=60, seed=1)
import json; print(json.dumps([s.pk for s in stations]))
"""


def main():
    factory = LiveAppFactory(get_cluster=None)
    try:
        server = factory("sqlite", workers=4, env={"ACCESS_LOG": "0"})
        station_ids = server.shell_json(GENERATE)
        count = server.sql("SELECT COUNT(*) FROM trips_trip")[0][0]
        print(f"   data set: {len(station_ids)} stations, {count} departures", flush=True)
        rng = random.Random(5)
        today = datetime.now(ZoneInfo("Africa/Tunis")).date()
        calls = []
        for _ in range(2000):
            origin, destination = rng.sample(station_ids, 2)
            day = today + timedelta(days=rng.randint(0, 10))
            url = f"{server.url}/api/v1/trips?origin={origin}&destination={destination}&date={day}&seats={rng.randint(1, 3)}"
            calls.append(lambda url=url: request(url))
        run(calls[:100], threads=8)  # warm-up
        show("GET /api/v1/trips (station ids)", run(calls, threads=8))
        city_calls = [
            lambda: request(
                f"{server.url}/api/v1/trips?origin=Tunis&destination=Sousse&date={today}"
            )
        ] * 1000
        show("GET /api/v1/trips (city names)", run(city_calls, threads=8))
    finally:
        factory.close()
