"""Which server runs Louage's web role: the same app, data and load (wrk, 32 connections) on
gunicorn's sync workers (what Louage ran on), gunicorn's threads with keep-alive, and granian
(louage.core.web, what `make run` and production run) with one and two threads a worker.

The figures behind the choice written in louage/core/web.py; `python -m benchmarks servers`
(SERVERS_SECONDS, default 8; SERVERS_TRIPS, default 20,000 departures)."""

import os
import sys
from datetime import datetime

from benchmarks import _wrk
from benchmarks.hotpaths import CLIENTS, ENV, NETWORK, TUNIS, WORKERS, _queries
from tests.support.servers import EventRelay, LiveAppFactory, LiveServer

SECONDS = int(os.environ.get("SERVERS_SECONDS", "8"))
TRIPS = int(os.environ.get("SERVERS_TRIPS", "20000"))


class Gunicorn(LiveServer):
    """Louage on gunicorn, as it ran before louage.core.web (`worker_class` sync or gthread)."""

    worker_class, threads = "sync", 1

    def command(self):
        port = self.env["PORT"]
        metrics = self.workdir / "run" / f"metrics-{port}"
        metrics.mkdir(parents=True, exist_ok=True)
        self.env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics)
        return [sys.executable, "-m", "gunicorn", "louage.wsgi:application",
                "--bind", f"127.0.0.1:{port}", "--workers", self.env["WEB_CONCURRENCY"],
                "--worker-class", self.worker_class, "--threads", str(self.threads),
                "--backlog", "2048", "--keep-alive", "5"]  # fmt: skip


class GunicornThreads(Gunicorn):
    worker_class, threads = "gthread", 2


# (label, server class, extra environment)
SERVERS = (
    ("gunicorn sync", Gunicorn, {}),
    ("gunicorn gthread, 2 threads", GunicornThreads, {}),
    ("granian, 1 thread", LiveServer, {"WEB_THREADS": "1"}),
    ("granian, 2 threads", LiveServer, {"WEB_THREADS": "2"}),
)


def measure(factory, label, kind, extra):
    server = factory("sqlite", workers=WORKERS, env={**ENV, **extra}, kind=kind)
    try:
        data = server.shell_json(NETWORK.format(trips=TRIPS), timeout=1800)
        tokens = server.shell_json(CLIENTS.format(count=1000))
        today = datetime.now(TUNIS).date()
        ids = _wrk.data_file(queries=_queries(data["stations"]))
        cities = _wrk.data_file(queries=[f"origin=Tunis&destination=Sousse&date={today}"])
        _wrk.run(server.url, mode="search", seconds=3, connections=8, data=ids)  # warm-up
        rows = {}
        for key, mode, chosen in (("healthz", "healthz", ids), ("search cities", "search", cities),
                                  ("search ids", "search", ids)):  # fmt: skip
            rows[key] = _wrk.run(server.url, mode=mode, seconds=SECONDS, connections=32,
                                 data=chosen)  # fmt: skip
        relay = EventRelay(server.env, server.workdir / "relay.log").start()
        try:
            holds = _wrk.data_file(tokens=tokens, trips=data["bookable"])
            rows["holds"] = _wrk.run(server.url, mode="hold", seconds=SECONDS, connections=32,
                                     data=holds)  # fmt: skip
        finally:
            relay.stop()
    finally:
        server.stop()
    for key, figures in rows.items():
        print(f"   {label:<28} {key:<14} {figures['per_second']:7,.0f} req/s  p50 "
              f"{figures['p50_ms']:7.1f} ms  p99 {figures['p99_ms']:8.1f} ms  "
              f"{_wrk.server_errors(figures)} 5xx", flush=True)  # fmt: skip
    return rows


def main():
    factory = LiveAppFactory(get_cluster=lambda: None)
    results = {}
    try:
        for label, kind, extra in SERVERS:
            results[label] = measure(factory, label, kind, extra)
    finally:
        factory.close()
    lines = ["| server | " + " | ".join(f"{k} req/s (p99)" for k in next(iter(results.values())))
             + " |", "| --- " * (1 + len(next(iter(results.values())))) + "|"]  # fmt: skip
    for label, rows in results.items():
        cells = [f"{f['per_second']:,.0f} ({f['p99_ms']:,.0f} ms)" for f in rows.values()]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    print("\n".join(lines), flush=True)
    return results
