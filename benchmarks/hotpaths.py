"""Search and booking near what the machine can do: wrk against Louage's web server (default
workers) on 100,000 departures over 50 stations (SQLite, then a throwaway PostgreSQL with
Redis, as production runs, for booking). Each figure is a share of a bare WSGI app on
gunicorn's sync workers (issue 28's reference), shown beside bare WSGI and bare Django on the
same server as Louage, all measured in the same run, against issue 28's targets; latency at
half the measured maximum rate (autocannon, constant rate); search cost from 10,000 to
500,000 departures; RSS per worker; design.md §3.1 checked after the booking runs. Writes the
table to docs/benchmarks.md."""

import json
import os
import platform
import random
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from benchmarks import _bare, _rate, _wrk
from tests.support.servers import (
    EventRelay,
    LiveAppFactory,
    PostgresCluster,
    RedisServer,
    free_port,
)

ROOT = Path(__file__).resolve().parents[1]
SECONDS = int(os.environ.get("BENCH_SECONDS", "15"))
TRIPS = int(os.environ.get("BENCH_TRIPS", "100000"))
GROWTH = [int(n) for n in os.environ.get("BENCH_GROWTH", "10000,500000").split(",")]
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
TUNIS = ZoneInfo("Africa/Tunis")
ENV = {
    "ACCESS_LOG": "0",
    "RATE_API_BOOKING": "100000000/m",
    "RATE_API_ANONYMOUS": "100000000/m",  # one address sends everything here
    "MAX_PENDING_HOLDS": "100000",
    "MAX_HELD_SEATS": "100000",
    "HOLD_COOLDOWN_AFTER_EXPIRED": "0",
    # As `make run`: a relay process hands the domain events on, not the request itself.
    "EVENTS_RELAY_INLINE": "false",
}
WORKERS = 2 * (os.cpu_count() or 1) + 1  # what `make run` starts

NETWORK = """
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo
from django.utils import timezone
from tests.support.network_data import generate_bookings, generate_network
from louage.reporting import sales
from louage.trips.models import Trip
start = datetime.now(ZoneInfo("Africa/Tunis")).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=20)
stations = generate_network(stations=50, trips={trips}, start=start, days=60, seed=1)
generate_bookings(seed=1)  # every taken seat sold: design.md §3.1 holds before the runs
sales.rebuild()
bookable = list(Trip.objects.filter(status="scheduled", seats_available__gte=1,
    departure__gt=timezone.now() + timedelta(hours=1)).order_by("?").values_list("pk", flat=True)[:20000])
print(json.dumps({{"stations": [s.pk for s in stations], "bookable": bookable}}))
"""

# Growth measures the search query as departures pile up: no bookings needed.
GROWTH_NETWORK = """
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo
from tests.support.network_data import generate_network
start = datetime.now(ZoneInfo("Africa/Tunis")).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=20)
stations = generate_network(stations=50, trips={trips}, start=start, days=60, seed=1)
# A route of its own with the same departures in every network (six a day for ten days): its
# searches find the same answers whatever the size, so their cost shows the query's, not
# more answers to write (random routes find more departures in a denser network).
from louage.stations.models import Station, Vehicle
from louage.trips.models import Trip, TripKind, TripStatus
a = Station.objects.create(name="Growth origin", city="Tunis", latitude=36.8, longitude=10.18)
b = Station.objects.create(name="Growth destination", city="Sousse", latitude=35.83, longitude=10.6)
vehicle = Vehicle.objects.create(plate="1 TU 9999", owner_name="Growth", station=a, seats=8)
today = start + timedelta(days=20)
Trip.objects.bulk_create([Trip(origin=a, destination=b, vehicle=vehicle, kind=TripKind.SCHEDULED,
    status=TripStatus.SCHEDULED, departure=today + timedelta(days=d, hours=7 + 2 * h),
    price=10000, seats_total=8, seats_available=8) for d in range(1, 11) for h in range(6)])
days = [(today + timedelta(days=d)).date().isoformat() for d in range(1, 11)]
print(json.dumps({{"stations": [s.pk for s in stations],
    "fixed": [f"origin={{a.pk}}&destination={{b.pk}}&date={{day}}" for day in days]}}))
"""
NO_CACHE = {"SEARCH_CACHE_SECONDS": "0"}

CLIENTS = """
import json
from louage.accounts.models import User
from louage.accounts.sessions import tokens_for
clients = User.objects.bulk_create([User(email=f"bench{{i}}@example.tn", role="client",
    phone=f"+2169{{i:07d}}", first_name="B", last_name=str(i)) for i in range({count})])
print(json.dumps([tokens_for(u)["access"] for u in clients]))
"""

HOT_TRIP = """
import json
from datetime import timedelta
from django.utils import timezone
from louage.trips.models import Trip
t = Trip.objects.filter(status="scheduled", kind="scheduled", reservations__isnull=True,
    departure__gt=timezone.now() + timedelta(hours=2)).first()
Trip.objects.filter(pk=t.pk).update(seats_total=8, seats_available=8)
print(json.dumps(t.pk))
"""

INVARIANT = (
    "SELECT COUNT(*) FROM trips_trip t LEFT JOIN (SELECT trip_id, SUM(seats) AS held "
    "FROM booking_reservation WHERE status IN ('pending', 'confirmed', 'boarded') "
    "GROUP BY trip_id) r ON r.trip_id = t.id WHERE t.seats_available < 0 "
    "OR t.seats_available > t.seats_total OR t.seats_total - t.seats_available <> COALESCE(r.held, 0)"
)


def _queries(stations, count=3000, seed=5):
    rng = random.Random(seed)
    today = datetime.now(TUNIS).date()
    queries = []
    for _ in range(count):
        origin, destination = rng.sample(stations, 2)
        day = today + timedelta(days=rng.randint(0, 10))
        queries.append(f"origin={origin}&destination={destination}&date={day}")
    return queries


REPORT_ADMIN = """
import json
from louage.accounts.models import User
from louage.accounts.sessions import tokens_for
admin = User.objects.create(email="bench-admin@example.tn", role="admin")
print(json.dumps(tokens_for(admin)["access"]))
"""
REPORT_TARGET_MS = 300


def measure_report(server):
    """The network's sales report over the last 30 days (issue: under 300 ms): median of 15."""
    import statistics

    from benchmarks._load import request

    token = server.shell_json(REPORT_ADMIN)
    url = f"{server.url}/api/v1/reports/sales"
    request(url, token=token)  # warm-up
    times = []
    for _ in range(15):
        status, seconds = request(url, token=token)
        assert status == 200, status
        times.append(seconds * 1000)
    return {"median_ms": statistics.median(times), "max_ms": max(times)}


# Issue 28's targets, as shares of the bare WSGI app of the same run: (share, p99 ms).
TARGETS = {
    "healthz": (0.35, None),
    "search cities": (0.25, 100),
    "search ids": (0.15, 150),
    "booking sqlite": (0.03, 300),
    "booking postgres": (0.03, 300),
    "hot trip sqlite": (None, 300),
    "hot trip postgres": (None, 300),
}
RATE_TAIL = 5  # at half the maximum rate, p99 ≤ 5 × p50


# The references: (key, app, server). "bare WSGI" on gunicorn's sync workers is the one issue
# 28 set its targets against; the same apps on Louage's own web server show what the server
# itself gives.
REFERENCES = (
    ("bare WSGI", "wsgi", "gunicorn"),
    ("bare Django", "django", "gunicorn"),
    ("bare WSGI (web server)", "wsgi", "web"),
    ("bare Django (web server)", "django", "web"),
)


def measure_references(workdir):
    """req/s of a bare WSGI app and of bare Django (no middleware), same number of workers,
    on gunicorn's sync workers and on Louage's web server."""
    figures = {}
    data = _wrk.data_file(queries=["-"])
    for key, kind, how in REFERENCES:
        server = _bare.BareServer(kind, workers=WORKERS, workdir=workdir, port=free_port(),
                                  server=how)  # fmt: skip
        server.start()
        try:
            _wrk.run(server.url, mode="healthz", seconds=3, connections=8, data=data)  # warm-up
            # The best of two runs: a reference is the machine's ceiling, and another process
            # waking up only ever lowers a run (the shares then err on the low side).
            runs = [_wrk_run(server.url, mode="healthz", data=data) for _ in range(2)]
            figures[key] = _shown(key, max(runs, key=lambda run: run["per_second"]))
        finally:
            server.stop()
    return figures


def measure_rate(server, key, figures, *, mode, data):
    """Latency at half the maximum `figures` measured, at a constant rate (autocannon)."""
    rate = figures["per_second"] / 2
    result = _rate.run(server.url, mode=mode, rate=rate, seconds=SECONDS,
                       connections=CONNECTIONS, data=data)  # fmt: skip
    print(f"   {key} at {rate:,.0f} req/s (half the maximum): {result['per_second']:,.0f} req/s "
          f"held, p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms, "
          f"{result['statuses']}", flush=True)  # fmt: skip
    return result


def _rss_mb(server):
    sizes = []
    for pid in server.worker_pids():
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return sizes


def _wrk_run(url, **kwargs):
    return _wrk.run(url, seconds=SECONDS, connections=CONNECTIONS, **kwargs)


def measure_search(server, stations):
    ids = _wrk.data_file(queries=_queries(stations))
    today = datetime.now(TUNIS).date()
    cities = _wrk.data_file(queries=[f"origin=Tunis&destination=Sousse&date={today}"])
    _wrk.run(server.url, mode="search", seconds=3, connections=8, data=ids)  # warm-up
    figures = {}
    for key, mode, data in (("healthz", "healthz", ids), ("search ids", "search", ids),
                            ("search cities", "search", cities)):  # fmt: skip
        figures[key] = _shown(key, _wrk_run(server.url, mode=mode, data=data))
    figures["rate search cities"] = measure_rate(
        server, "search cities", figures["search cities"], mode="search", data=cities
    )
    # The same searches with the answers cache off: what each one costs the database.
    server.stop()
    server.env.update(NO_CACHE)
    server.start()
    _wrk.run(server.url, mode="search", seconds=3, connections=8, data=ids)  # warm-up
    for key, data in (("search ids, no cache", ids), ("search cities, no cache", cities)):
        figures[key] = _shown(key, _wrk_run(server.url, mode="search", data=data))
    return figures


def _shown(label, figures):
    """Print a figure as soon as it is measured (a later failure keeps it on screen)."""
    print(f"   {label}: {figures['per_second']:,.0f} req/s, p50 {figures['p50_ms']:.1f} ms, "
          f"p99 {figures['p99_ms']:.1f} ms, {figures.get('statuses')}", flush=True)  # fmt: skip
    return figures


def measure_booking(server, bookable, tokens, label):
    relay = EventRelay(server.env, server.workdir / "relay.log").start()
    try:
        figures = _measure_booking(server, bookable, tokens, label)
        # What the relay had still to hand on when the load stopped (it catches up after).
        figures[f"backlog {label}"] = server.sql(
            "SELECT COUNT(*) FROM core_event WHERE relayed_at IS NULL")[0][0]  # fmt: skip
    finally:
        relay.stop()
    return figures


def _measure_booking(server, bookable, tokens, label):
    data = _wrk.data_file(tokens=tokens, trips=bookable)
    figures = {f"booking {label}": _shown(f"booking {label}",
                                          _wrk_run(server.url, mode="hold", data=data))}  # fmt: skip
    figures[f"rate booking {label}"] = measure_rate(
        server, f"booking {label}", figures[f"booking {label}"], mode="hold", data=data
    )
    hot = server.shell_json(HOT_TRIP)
    hot_data = _wrk.data_file(tokens=tokens, trips=[hot])
    figures[f"hot trip {label}"] = _shown(f"hot trip {label}",
                                          _wrk_run(server.url, mode="hold", data=hot_data))  # fmt: skip
    sold = server.sql("SELECT COALESCE(SUM(seats), 0) FROM booking_reservation WHERE trip_id = %s "
                      "AND status IN ('pending', 'confirmed', 'boarded')", (hot,))[0][0]  # fmt: skip
    figures[f"hot trip {label}"]["sold"] = sold
    figures[f"invariant {label}"] = server.sql(INVARIANT)[0][0]
    return figures


GROWTH_ROUNDS = int(os.environ.get("BENCH_GROWTH_ROUNDS", "7"))


def measure_growth(factory):
    """p50 latency of the same kind of search at 10,000 and 500,000 departures (8 connections:
    the cost of a request, not the machine's throughput). Both servers run side by side and
    take turns, GROWTH_ROUNDS short runs each, the median kept: on this machine two runs of
    the same server a minute apart differ by up to half, which one run each cannot tell from
    growth."""
    servers = {}
    try:
        for trips in GROWTH:
            server = factory("sqlite", workers=WORKERS, env={**ENV, **NO_CACHE})
            data = server.shell_json(GROWTH_NETWORK.format(trips=trips), timeout=1800)
            queries = _wrk.data_file(queries=_queries(data["stations"]))
            servers[trips] = (server, {"": _wrk.data_file(queries=data["fixed"]),
                                       " random": queries})  # fmt: skip
            _wrk.run(server.url, mode="search", seconds=3, connections=8, data=queries)
        rounds = {}
        seconds = max(2, SECONDS // GROWTH_ROUNDS)
        for _round in range(GROWTH_ROUNDS):
            for trips, (server, files) in servers.items():
                for suffix, data in files.items():
                    figures = _wrk.run(server.url, mode="search", seconds=seconds,
                                       connections=8, data=data)  # fmt: skip
                    rounds.setdefault(f"{trips}{suffix}", []).append(figures)
    finally:
        for server, _files in servers.values():
            server.stop()
    growth = {}
    for key, runs in rounds.items():
        runs.sort(key=lambda figures: figures["p50_ms"])
        growth[key if key.endswith("random") else int(key)] = median = runs[len(runs) // 2]
        trips = int(key.split()[0])
        what = "random routes" if key.endswith("random") else "one route's same answers"
        p50s = ", ".join(f"{figures['p50_ms']:.1f}" for figures in runs)
        print(f"   search at {trips:,} departures, {what} (8 connections, no cache): median of "
              f"{len(runs)} rounds p50 {median['p50_ms']:.1f} ms, {median['per_second']:,.0f} "
              f"req/s (p50s {p50s} ms)", flush=True)  # fmt: skip
    return growth


def _target(label, share, p99, errors):
    """The issue's target for this figure and whether this run meets it."""
    wanted_share, wanted_p99 = TARGETS.get(label, (None, None))
    parts, met = [], True
    if wanted_share is not None:
        parts.append(f"≥ {wanted_share:.2f}")
        met = met and share is not None and share >= wanted_share
    if wanted_p99 is not None:
        parts.append(f"p99 ≤ {wanted_p99} ms")
        met = met and p99 <= wanted_p99
    if label.startswith(("booking", "hot trip")):
        parts.append("0 5xx")
        met = met and errors == 0
    if not parts:
        return ""
    return f"{', '.join(parts)}: {'met' if met else 'NOT met'}"


def _row(label, figures, bare_wsgi, bare_django, same_wsgi, same_django):
    def of(reference):
        return figures["per_second"] / reference if reference else None

    share = of(bare_wsgi)
    errors = _wrk.server_errors(figures)
    shown = lambda value: f"{value:.3f}" if value is not None else "?"  # noqa: E731
    return (f"| {label} | {figures['per_second']:,.0f} req/s | {shown(share)} | "
            f"{shown(of(bare_django))} | {shown(of(same_wsgi))} | {shown(of(same_django))} | "
            f"{figures['p50_ms']:.1f} ms | {figures['p99_ms']:.1f} ms | "
            f"{errors} | {_target(label, share, figures['p99_ms'], errors)} |")  # fmt: skip


def _rate_row(label, figures):
    ratio = figures["p99_ms"] / max(figures["p50_ms"], 1e-9)
    verdict = "met" if ratio <= RATE_TAIL else "NOT met"
    held = figures["per_second"] / max(figures["rate"], 1)
    return (f"| {label} | {figures['rate']:,} req/s | {figures['per_second']:,.0f} req/s "
            f"({held:.0%}) | {figures['p50_ms']:.1f} ms | {figures['p99_ms']:.1f} ms | "
            f"{ratio:.1f} | p99 ≤ {RATE_TAIL} × p50: {verdict} |")  # fmt: skip


def table(results):
    references = [results.get(key, {}).get("per_second") for key, _app, _how in REFERENCES]
    lines = ["Shares: of the references on gunicorn's sync workers (bare WSGI there is issue 28's "
             "reference, the targets' column), and of the same references on Louage's web "
             "server (louage.core.web, granian), which Louage's figures run on.", "",
             "| figure | throughput | of bare WSGI (gunicorn) | of bare Django (gunicorn) "
             "| of bare WSGI (web server) | of bare Django (web server) | p50 | p99 | 5xx "
             "| target |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for key in (*(key for key, _app, _how in REFERENCES), "healthz", "search ids",
                "search cities", "search ids, no cache", "search cities, no cache",
                "booking sqlite", "hot trip sqlite", "booking postgres", "hot trip postgres"):  # fmt: skip
        if key in results:
            lines.append(_row(key, results[key], *references))
    rates = [key for key in ("rate search cities", "rate booking sqlite", "rate booking postgres")
             if key in results]  # fmt: skip
    if rates:
        lines += ["", "Constant rate (autocannon), half the maximum measured above:", "",
                  "| figure | asked | held | p50 | p99 | p99 / p50 | target |",
                  "| --- | --- | --- | --- | --- | --- | --- |"]  # fmt: skip
        lines += [_rate_row(key.removeprefix("rate "), results[key]) for key in rates]
    notes = []
    for label in ("sqlite", "postgres"):
        if f"hot trip {label}" in results:
            notes.append(f"hot trip ({label}): {results[f'hot trip {label}']['sold']} of 8 seats "
                         f"sold; departures breaking §3.1 after the booking runs: "
                         f"{results[f'invariant {label}']}; domain events not yet relayed when "
                         f"the load stopped: {results.get(f'backlog {label}', '?')}")  # fmt: skip
    growth = results.get("growth")
    if growth:
        (low, small), (high, large) = ((n, growth[n]["p50_ms"]) for n in (GROWTH[0], GROWTH[-1]))
        verdict = "within" if abs(large / small - 1) <= 0.10 else "NOT within"
        notes.append(f"search p50 on one route with the same answers (six a day) at {low:,} "
                     f"departures {small:.1f} ms, at {high:,} {large:.1f} ms "
                     f"({(large / small - 1):+.0%}, {verdict} the 10 % target)")  # fmt: skip
        (_, small), (_, large) = (
            (n, growth[f"{n} random"]["p50_ms"]) for n in (GROWTH[0], GROWTH[-1])
        )
        notes.append(f"search p50 on random routes (more departures found in the denser "
                     f"network) at {low:,} {small:.1f} ms, at {high:,} {large:.1f} ms "
                     f"({(large / small - 1):+.0%})")  # fmt: skip
    if results.get("report"):
        report = results["report"]
        verdict = "under" if report["median_ms"] < REPORT_TARGET_MS else "OVER"
        notes.append(f"sales report, network, last 30 days: median {report['median_ms']:.0f} ms, "
                     f"max {report['max_ms']:.0f} ms ({verdict} the {REPORT_TARGET_MS} ms target)")  # fmt: skip
    if results.get("rss"):
        notes.append(
            "RSS per worker under load: " + ", ".join(f"{mb:.0f} MB" for mb in results["rss"])
        )
    return "\n".join(lines + [""] + [f"- {note}" for note in notes])


def write_docs(text):
    path = ROOT / "docs" / "benchmarks.md"
    current = path.read_text() if path.exists() else "# Benchmarks\n"
    marker = "\n## Hot paths (`make bench`)\n"
    before, _, after = current.partition(marker)
    rest = after.split("\n## ", 1)
    tail = ("\n## " + rest[1]) if len(rest) > 1 else ""
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    section = (f"{marker}\nRun on {datetime.now():%Y-%m-%d %H:%M} ({machine}); wrk, "
               f"{CONNECTIONS} connections, {SECONDS} s each.\n\n{text}\n")  # fmt: skip
    path.write_text(before.rstrip() + "\n" + section + tail)


def main():
    started = time.monotonic()
    cluster = PostgresCluster().start()
    factory = LiveAppFactory(get_cluster=lambda: cluster)
    results = {}
    try:
        results.update(measure_references(Path(tempfile.mkdtemp(prefix="louage-bare-"))))
        server = factory("sqlite", workers=WORKERS, env=ENV)
        data = server.shell_json(NETWORK.format(trips=TRIPS))
        tokens = server.shell_json(CLIENTS.format(count=3000))
        results.update(measure_search(server, data["stations"]))
        results.update(measure_booking(server, data["bookable"], tokens, "sqlite"))
        results["rss"] = _rss_mb(server)
        results["report"] = measure_report(server)
        server.stop()

        # PostgreSQL as production runs it: with Redis for the cache and the rate-limit
        # counters (without it they are SQLite files every worker writes to).
        redis = RedisServer().start()
        try:
            server = factory("postgres", workers=WORKERS, env={**ENV, "REDIS_URL": redis.url})
            data = server.shell_json(NETWORK.format(trips=TRIPS))
            server.sql("ANALYZE")
            tokens = server.shell_json(CLIENTS.format(count=3000))
            results.update(measure_booking(server, data["bookable"], tokens, "postgres"))
            server.stop()
        finally:
            redis.stop()

        results["growth"] = measure_growth(factory)
    finally:
        factory.close()
        cluster.stop()
    text = table(results)
    print(text, flush=True)
    write_docs(text)
    print(f"   ({time.monotonic() - started:.0f} s; written to docs/benchmarks.md)")
    print("   raw: " + json.dumps({k: v for k, v in results.items() if k != "growth"})[:2000])
