"""gunicorn settings: a master process supervising 2 x cores + 1 workers that are recycled."""

import multiprocessing
import os
import shutil
from pathlib import Path

from louage.core.logs import json_wanted

host = os.environ.get("HOST", "127.0.0.1")
port = os.environ.get("PORT", "8000")
bind = f"{host}:{port}"
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
# Recycling bounds the damage of a slow leak; jitter keeps workers from restarting together.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "200"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = 5
# Cap request line and headers: a cheap defence against oversized-request abuse.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# Louage logs one JSON line per request itself (louage.core.observability).
accesslog = "-" if os.environ.get("ACCESS_LOG", "0") == "1" else None
errorlog = "-"
# Without a time of its own: the log line has one (UTC, with JSON logs).
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
if json_wanted():
    # gunicorn's own lines (boot, worker exits, its access log) as JSON like the app's.
    _handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "louage.core.logs.JsonFormatter"}},
        "handlers": {"error_console": _handler, "console": _handler},
        "root": {"level": "INFO", "handlers": []},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
            # With a logging configuration gunicorn always logs access: ACCESS_LOG still decides.
            "gunicorn.access": {
                "level": "INFO" if accesslog else "CRITICAL",
                "handlers": ["console"],
                "propagate": False,
            },
        },
    }
proc_name = f"louage:{port}"

_var = Path(os.environ.get("LOUAGE_VAR_DIR") or Path(__file__).resolve().parent.parent / "var")
_run = _var / "run"
_run.mkdir(parents=True, exist_ok=True)
# One control socket per instance, under its own data directory (not one per host user), and
# the master's pid beside it for `kill -HUP $(cat var/run/gunicorn-8000.pid)` (reload).
control_socket = str(_run / f"gunicorn-{port}.ctl")
pidfile = str(_run / f"gunicorn-{port}.pid")

# Prometheus counters of every worker of this instance meet in one directory, emptied when the
# master starts so a restart does not add up old runs.
_metrics = Path(os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(_run / f"metrics-{port}")))


def on_starting(server):
    shutil.rmtree(_metrics, ignore_errors=True)
    _metrics.mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def post_fork(server, worker):
    # A master killed outright (SIGKILL) must not leave its workers serving on the port: they
    # get SIGTERM, finish their request and exit, and the restarted master binds it again.
    from louage.core.child import die_with_parent

    die_with_parent()
