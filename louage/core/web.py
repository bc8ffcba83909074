"""The web role: granian serving louage.wsgi, a master supervising worker processes.

    python -m louage.core.web            # what the Procfile, supervisord and systemd run

Why granian rather than gunicorn's sync workers (`python -m benchmarks servers`, figures in
docs/benchmarks.md): its HTTP layer is Rust, so parsing, keep-alive and writing the answer
cost no Python time; a sync worker spent as much CPU on each connection (accept, parse, close)
as Louage spends on a probe, and 32 clients queueing for 5 workers waited seconds at the
tail. Each worker runs WEB_THREADS (2) requests at once: a kept-alive connection belongs to one
worker, so with one thread a request waited behind a slow one in its worker while others were
idle; two let a query's wait or a lock be overlapped, and measured better than one or than
gunicorn's own threads.

The master respawns a worker that dies, recycles workers past WEB_WORKER_MAX_RSS_MB or
WEB_WORKER_LIFETIME, and on SIGHUP replaces them one by one (a reload that refuses no
request). Everything comes from the environment (README, "Configuration")."""

import json
import os
import shutil
import sys
from pathlib import Path

from louage.core.logs import json_wanted

ROOT = Path(__file__).resolve().parents[2]


def _var_dir(environ):
    return Path(environ.get("LOUAGE_VAR_DIR") or ROOT / "var")


def _positive(environ, name, default):
    value = environ.get(name) or str(default)
    if not value.isdigit() or int(value) < 1:
        sys.exit(f"{name} must be a whole number above 0 (got {value!r})")
    return int(value)


def workers(environ):
    default = (os.cpu_count() or 1) * 2 + 1
    return _positive(environ, "WEB_CONCURRENCY", default)


def logging_config(access):
    """granian's logging as JSON lines like the app's (louage.core.logs)."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "louage.core.logs.JsonFormatter"}},
        "handlers": {"console": handler, "access": handler},
        "loggers": {
            "_granian": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "granian.access": {
                "handlers": ["access"],
                "level": "INFO" if access else "CRITICAL",
                "propagate": False,
            },
        },
    }


def command(environ, app="louage.wsgi:application"):
    """granian's command line for this environment; prepares the run directory."""
    host = environ.get("HOST", "127.0.0.1")
    port = _positive(environ, "PORT", 8000)
    run = _var_dir(environ) / "run"
    run.mkdir(parents=True, exist_ok=True)
    access = environ.get("ACCESS_LOG", "0") == "1"
    args = [
        sys.executable, "-m", "granian", "--interface", "wsgi", "--no-ws",
        "--host", host, "--port", str(port),
        "--workers", str(workers(environ)),
        "--blocking-threads", str(_positive(environ, "WEB_THREADS", 2)),
        # HTTP/1.1 only: nginx speaks it upstream, and h2c by prior knowledge is no client's.
        "--http", "1",
        "--backlog", "2048",
        # Request line and headers together (gunicorn allowed 8 KiB per line): a cheap bound
        # on oversized-request abuse; the body has its own (REQUEST_MAX_BYTES).
        "--http1-buffer-size", "65536",
        # A client has this long to send its headers (slow clients are nginx's in production).
        "--http1-header-read-timeout", str(_positive(environ, "WEB_HEADER_TIMEOUT", 30) * 1000),
        "--respawn-failed-workers", "--respawn-interval", "1",
        "--workers-kill-timeout", f"{_positive(environ, 'WEB_GRACEFUL_TIMEOUT', 20)}s",
        # Recycling bounds the damage of a slow leak (gunicorn counted requests).
        "--workers-max-rss", str(_positive(environ, "WEB_WORKER_MAX_RSS_MB", 512)),
        "--pid-file", str(run / f"web-{port}.pid"),
        "--access-log" if access else "--no-access-log",
        "--access-log-fmt", '%(addr)s "%(method)s %(path)s %(protocol)s" %(status)d %(dt_ms).1fms',
    ]  # fmt: skip
    lifetime = environ.get("WEB_WORKER_LIFETIME")
    if lifetime:  # granian takes 60 s at least; off unless asked
        args += ["--workers-lifetime", f"{max(60, _positive(environ, 'WEB_WORKER_LIFETIME', 0))}s"]
    if json_wanted(environ):
        path = run / f"web-{port}-logging.json"
        path.write_text(json.dumps(logging_config(access)))
        args += ["--log-config", str(path)]
    return args + [app]


def prepare(environ):
    """What the workers share: the Prometheus counters of this instance meet in one directory,
    emptied when the master starts so a restart does not add up old runs."""
    port = environ.get("PORT", "8000")
    metrics = Path(
        environ.setdefault(
            "PROMETHEUS_MULTIPROC_DIR", str(_var_dir(environ) / "run" / f"metrics-{port}")
        )
    )
    shutil.rmtree(metrics, ignore_errors=True)
    metrics.mkdir(parents=True, exist_ok=True)
    # Each worker dies with the master, even a SIGKILLed one (louage.wsgi).
    environ["LOUAGE_WORKER_DIES_WITH_PARENT"] = "1"


def main():
    environ = os.environ
    args = command(environ)
    prepare(environ)
    os.execve(sys.executable, args, environ)  # noqa: S606 - our own fixed command line


if __name__ == "__main__":
    main()
