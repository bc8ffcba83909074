"""Soak: a mixed load on every process of `make run`, then SIGKILL of all of them mid-booking.

`make soak` (SOAK_SECONDS, default 180) runs it on the embedded SQLite and on a throwaway
PostgreSQL, prints one table per database and writes them to docs/benchmarks.md. The load is
wrk's (benchmarks/wrk/louage.lua): 22 connections searching, 10 holding one seat and
cancelling some of those holds (about 70 % / 20 % / 10 %), on 585 departures by 100 clients.
Then a hold-only load, SIGKILL of the app's process group in the middle of it, a restart,
and the checks: every acknowledged hold and cancel is in the database, design.md §3.1 holds
on every departure, no pending hold is past its expiry, no task is stuck running, no answer
was a 5xx, and neither the app's log nor PostgreSQL's has an ERROR line.
"""

import json
import os
import platform
import secrets
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from benchmarks import _wrk
from tests.support.servers import PostgresCluster, ProcfileApp, manage

ROOT = Path(__file__).resolve().parents[1]

SETUP = """
import json
from datetime import timedelta
from django.utils import timezone
from louage.accounts.sessions import tokens_for
from tests.factories import ClientFactory
from tests.network_factories import StationFactory, TripFactory, VehicleFactory
cities = ["Tunis", "Sousse", "Sfax", "Nabeul", "Bizerte", "Kairouan", "Monastir", "Gabès",
          "Gafsa", "Béja", "Jendouba", "Kasserine", "Médenine", "Mahdia", "Tozeur"]
stations = [StationFactory(city=c) for c in cities]
now = timezone.now()
trips = []
vehicles = {s.pk: [VehicleFactory(station=s, plate=f"{i + 1} TU {s.pk * 100 + i}") for i in range(13)]
            for s in stations}
for i in range(585):
    origin = stations[i % 15]
    destination = stations[(i % 15 + 1 + (i // 15) % 14) % 15]
    vehicle = vehicles[origin.pk][(i // 15) % 13]
    trips.append(TripFactory(origin=origin, destination=destination, vehicle=vehicle,
                             departure=now + timedelta(hours=3 + 3 * (i // 195), minutes=i % 195)))
clients = ClientFactory.create_batch(100)
print(json.dumps({"trips": [t.pk for t in trips], "stations": [s.pk for s in stations],
                  "tokens": [tokens_for(c)["access"] for c in clients]}))
"""

INVARIANT = (
    "SELECT COUNT(*) FROM trips_trip t LEFT JOIN (SELECT trip_id, SUM(seats) AS held "
    "FROM booking_reservation WHERE status IN ('pending', 'confirmed', 'boarded') "
    "GROUP BY trip_id) r ON r.trip_id = t.id WHERE t.seats_available < 0 "
    "OR t.seats_available > t.seats_total OR t.seats_total - t.seats_available <> COALESCE(r.held, 0)"
)


def app_env():
    """Production settings, with account limits out of the way of a load test."""
    return {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "JWT_SIGNING_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "WARNING",
        "REQUEST_LOG_LEVEL": "WARNING",
        "HOLD_MINUTES": "1",
        "MAX_PENDING_HOLDS": "100000",
        "MAX_HELD_SEATS": "100000",
        "HOLD_COOLDOWN_AFTER_EXPIRED": "0",
        "RATE_API_BOOKING": "1000000/m",
        "RATE_API_ANONYMOUS": "100000000/m",  # one address sends everything here
        "TASK_STALLED_SECONDS": "3",
    }


class Database:
    def __init__(self, backend, workdir, cluster=None):
        self.backend = backend
        self.cluster = cluster
        if backend == "sqlite":
            self.url = f"sqlite:///{workdir / 'louage.sqlite3'}"
        else:
            self.url = cluster.create_database(f"soak_{secrets.token_hex(4)}")

    def sql(self, query, params=()):
        if self.backend == "sqlite":
            import sqlite3

            with sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=30) as conn:
                return conn.execute(query.replace("%s", "?"), params).fetchall()
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            return conn.execute(query, params).fetchall()

    def now_minus(self, seconds):
        if self.backend == "sqlite":
            return f"strftime('%Y-%m-%d %H:%M:%f', 'now', '-{seconds} seconds')"
        return f"now() - interval '{seconds} seconds'"


def _port_taken(port):
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def error_lines(text):
    lines = []
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            if " ERROR " in line or line.startswith("ERROR") or "Traceback" in line:
                lines.append(line)
            continue
        if isinstance(record, dict) and record.get("level") in ("ERROR", "CRITICAL"):
            lines.append(line)
    return lines


def run(backend, seconds, *, crash_after=8, cluster=None):
    """One soak on one database → figures and check results (raises nothing: the caller
    decides what fails)."""
    workdir = Path(tempfile.mkdtemp(prefix=f"louage-soak-{backend}-"))
    database = Database(backend, workdir, cluster)
    env = app_env()
    app = ProcfileApp(database_url=database.url, workdir=workdir, env=env)
    manage(app.env, "migrate", "--noinput", "-v0")
    data = json.loads(manage(app.env, "shell", "-c", SETUP).strip().splitlines()[-1])
    wrk_data = _wrk.data_file(tokens=data["tokens"], trips=data["trips"],
                              stations=data["stations"])  # fmt: skip
    acks = workdir / "acks"
    acks.mkdir()
    app.start()
    results = {"backend": backend, "seconds": seconds}
    try:
        search = _wrk.start(app.url, mode="search", seconds=seconds, connections=22, data=wrk_data)
        booking = _wrk.start(app.url, mode="booking", seconds=seconds, connections=10,
                             data=wrk_data, acks_dir=acks)  # fmt: skip
        results["search"] = _wrk.collect(search)
        results["booking"] = _wrk.collect(booking)

        # A hold-only load, and every process of the app killed in the middle of it.
        crash_acks = workdir / "crash-acks"
        crash_acks.mkdir()
        holds = _wrk.start(app.url, mode="hold", seconds=crash_after + 4, connections=10,
                           data=wrk_data, acks_dir=crash_acks)  # fmt: skip
        time.sleep(crash_after)
        app.kill_everything()
        killed = time.monotonic()
        # Orphaned, each process gets SIGTERM from the kernel and stops cleanly (the web server lets
        # in-flight requests finish first): none may remain, the port must be free.
        while app.group_pids() and time.monotonic() - killed < 40:
            time.sleep(0.2)
        results["left_after_kill"] = len(app.group_pids())
        results["stopped_seconds"] = round(time.monotonic() - killed, 1)
        results["port_taken"] = int(_port_taken(app.port))
        results["crash"] = _wrk.collect(holds)
        restarted = time.monotonic()
        app.start()
        results["restart_seconds"] = round(time.monotonic() - restarted, 1)
        time.sleep(10)  # the sweeper's first rounds after the start, the task worker's first poll
    finally:
        app.stop()
    acked_holds, acked_cancels = _wrk.read_acks(acks)
    crash_holds, _ = _wrk.read_acks(crash_acks)
    acked_holds.update(crash_holds)
    stored = {row[0]: (row[1], row[2], row[3]) for row in
              database.sql("SELECT id, trip_id, seats, status FROM booking_reservation")}  # fmt: skip
    results["acked_holds"] = len(acked_holds)
    results["acked_cancels"] = len(acked_cancels)
    results["lost_holds"] = sum(
        1 for rid, (trip, seats) in acked_holds.items() if stored.get(rid, (None, None))[:2] != (trip, seats)
    )  # fmt: skip
    results["lost_cancels"] = sum(1 for rid in acked_cancels
                                  if stored.get(rid, (0, 0, ""))[2] != "cancelled")  # fmt: skip
    results["crash_acked"] = len(crash_holds)
    results["departures"] = database.sql("SELECT COUNT(*) FROM trips_trip")[0][0]
    results["inconsistent"] = database.sql(INVARIANT)[0][0]
    # (now_minus builds a constant SQL expression: no outside input reaches these queries.)
    # The sweeper runs every 5 s and the app stops before the checks: a hold may wait up to a
    # couple of rounds to be expired (15 s allowed), and
    # its seats are never lost meanwhile, since any booking of the departure expires it first.
    results["stale_pending"] = database.sql(
        "SELECT COUNT(*) FROM booking_reservation WHERE status = 'pending' "  # noqa: S608
        f"AND expires_at < {database.now_minus(15)}"
    )[0][0]
    results["stuck_tasks"] = database.sql(
        "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING' "  # noqa: S608
        f"AND started_at < {database.now_minus(10)}"
    )[0][0]
    results["expired"] = database.sql(
        "SELECT COUNT(*) FROM booking_reservation WHERE status = 'expired'"
    )[0][0]
    results["server_errors"] = sum(
        _wrk.server_errors(results[k]) for k in ("search", "booking", "crash")
    )
    results["app_errors"] = error_lines(app.log.read_text(errors="replace"))
    results["postgres_errors"] = (
        [line for line in cluster.log_text().splitlines() if "ERROR:" in line or "FATAL:" in line]
        if cluster else []
    )  # fmt: skip
    return results


def problems(results):
    """Every broken rule of the soak, in words (empty: all held)."""
    found = []
    for key in ("lost_holds", "lost_cancels", "inconsistent", "stale_pending", "stuck_tasks",
                "server_errors", "left_after_kill", "port_taken"):  # fmt: skip
        if results[key]:
            found.append(f"{key}: {results[key]}")
    if results["app_errors"]:
        found.append(f"app log errors: {results['app_errors'][:5]}")
    if results["postgres_errors"]:
        found.append(f"PostgreSQL log errors: {results['postgres_errors'][:5]}")
    if not results["acked_holds"] or not results["crash_acked"]:
        found.append("the load acknowledged no hold: nothing was checked")
    return found


def table(results):
    s, b = results["search"], results["booking"]
    total = s["requests"] + b["requests"]
    rows = [
        ("mixed load", f"{total / results['seconds']:.0f} req/s over {results['seconds']} s "
                       f"({s['requests']} searches, {b['requests']} holds and cancels)"),
        ("search p50 / p99", f"{s['p50_ms']:.0f} / {s['p99_ms']:.0f} ms"),
        ("hold or cancel p50 / p99", f"{b['p50_ms']:.0f} / {b['p99_ms']:.0f} ms"),
        ("5xx answers", str(results["server_errors"])),
        ("holds expired on time", f"{results['expired']} expired, {results['stale_pending']} "
                                  "pending over 15 s past their time"),
        ("crash in a hold load", f"{results['crash_acked']} holds acknowledged before the kill; "
                                 f"all stopped in {results['stopped_seconds']} s, "
                                 f"{results['left_after_kill']} left; restart "
                                 f"{results['restart_seconds']} s"),
        ("lost", f"{results['lost_holds']} of {results['acked_holds']} acknowledged holds, "
                 f"{results['lost_cancels']} of {results['acked_cancels']} cancels"),
        ("departures breaking §3.1", f"{results['inconsistent']} of {results['departures']}"),
        ("tasks stuck running", str(results["stuck_tasks"])),
        ("ERROR lines", f"app {len(results['app_errors'])}, PostgreSQL "
                        f"{len(results['postgres_errors'])}"),
    ]  # fmt: skip
    width = max(len(r[0]) for r in rows)
    return "\n".join(f"| {name.ljust(width)} | {value} |" for name, value in rows)


def write_docs(all_results):
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    marker = "\n## Soak (`make soak`)\n"
    text = text.split(marker)[0].rstrip() + "\n"
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    section = [marker, f"Run on {datetime.now():%Y-%m-%d %H:%M} ({machine}).\n"]
    for results in all_results:
        section += [f"\n### {results['backend']}\n", "| figure | value |", "| --- | --- |",
                    table(results), ""]  # fmt: skip
    path.write_text(text + "\n".join(section) + "\n")


def main():
    seconds = int(os.environ.get("SOAK_SECONDS", "180"))
    cluster = PostgresCluster().start()
    all_results, failed = [], []
    try:
        for backend in ("sqlite", "postgres"):
            results = run(backend, seconds, cluster=cluster if backend == "postgres" else None)
            all_results.append(results)
            print(f"\n{backend}\n| figure | value |\n| --- | --- |\n{table(results)}", flush=True)
            failed += [f"{backend}: {p}" for p in problems(results)]
    finally:
        cluster.stop()
    write_docs(all_results)
    if failed:
        print("\nBROKEN:\n" + "\n".join(failed))
        sys.exit(1)


if __name__ == "__main__":
    main()
