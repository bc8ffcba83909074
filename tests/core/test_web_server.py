"""The web role (louage.core.web): granian's command line from the environment, clear refusals
of bad settings, and a live server that keeps connections alive and outlives its workers."""

import http.client
import json
import os
import signal
import time

import pytest

from louage.core import web


def option(args, name):
    return args[args.index(name) + 1]


def test_the_command_line_follows_the_environment(tmp_path):
    environ = {"LOUAGE_VAR_DIR": str(tmp_path), "PORT": "8123", "HOST": "0.0.0.0",
               "WEB_CONCURRENCY": "3", "WEB_WORKER_MAX_RSS_MB": "300", "DEBUG": "true",
               "WEB_THREADS": "2"}  # fmt: skip
    args = web.command(environ)
    assert args[-1] == "louage.wsgi:application"
    assert option(args, "--interface") == "wsgi"
    assert (option(args, "--host"), option(args, "--port")) == ("0.0.0.0", "8123")
    assert option(args, "--workers") == "3"
    assert option(args, "--blocking-threads") == "2"  # requests at once per worker
    assert option(args, "--workers-max-rss") == "300"
    assert option(args, "--pid-file") == str(tmp_path / "run" / "web-8123.pid")
    assert "--respawn-failed-workers" in args and "--no-access-log" in args
    assert "--log-config" not in args and "--workers-lifetime" not in args  # plain logs


def test_production_logs_are_json_and_the_access_log_follows_access_log(tmp_path):
    environ = {"LOUAGE_VAR_DIR": str(tmp_path), "PORT": "8124", "DEBUG": "false",
               "ACCESS_LOG": "1", "WEB_WORKER_LIFETIME": "30"}  # fmt: skip
    args = web.command(environ)
    config = json.loads((tmp_path / "run" / "web-8124-logging.json").read_text())
    assert option(args, "--log-config") == str(tmp_path / "run" / "web-8124-logging.json")
    assert config["formatters"]["json"]["()"] == "louage.core.logs.JsonFormatter"
    assert config["loggers"]["granian.access"]["level"] == "INFO" and "--access-log" in args
    assert option(args, "--workers-lifetime") == "60s"  # granian's least


def test_the_workers_default_to_twice_the_cores_plus_one(tmp_path):
    args = web.command({"LOUAGE_VAR_DIR": str(tmp_path)})
    assert option(args, "--workers") == str((os.cpu_count() or 1) * 2 + 1)
    assert option(args, "--port") == "8000" and option(args, "--blocking-threads") == "2"


@pytest.mark.parametrize(
    "name, value",
    [("WEB_CONCURRENCY", "0"), ("WEB_CONCURRENCY", "four"), ("PORT", "-1"),
     ("WEB_WORKER_MAX_RSS_MB", "1.5"), ("WEB_GRACEFUL_TIMEOUT", "")],
)  # fmt: skip
def test_bad_settings_stop_the_start_with_their_name(tmp_path, name, value):
    environ = {"LOUAGE_VAR_DIR": str(tmp_path), name: value}
    if value == "":
        # Empty means the default, as for every other variable.
        assert option(web.command(environ), "--workers-kill-timeout") == "20s"
        return
    with pytest.raises(SystemExit) as stopped:
        web.command(environ)
    assert name in str(stopped.value) and repr(value) in str(stopped.value)


def test_the_master_empties_the_metrics_of_the_last_run(tmp_path):
    old = tmp_path / "run" / "metrics-8125"
    old.mkdir(parents=True)
    (old / "counter_1.db").write_bytes(b"old")
    environ = {"LOUAGE_VAR_DIR": str(tmp_path), "PORT": "8125"}
    web.prepare(environ)
    assert environ["PROMETHEUS_MULTIPROC_DIR"] == str(old) and list(old.iterdir()) == []
    assert environ["LOUAGE_WORKER_DIES_WITH_PARENT"] == "1"


@pytest.mark.live
def test_one_connection_serves_many_requests_and_a_killed_worker_is_replaced(live_app):
    server = live_app("sqlite", workers=2)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        first = None
        for _ in range(3):
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            assert response.status == 200 and json.loads(response.read()) == {"status": "ok"}
            assert response.getheader("Connection", "").lower() != "close"
            first = first or connection.sock
            assert connection.sock is first  # kept alive: no new connection per request
    finally:
        connection.close()
    victim = server.worker_pids()[0]
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        pids = server.worker_pids()
        if victim not in pids and len(pids) == 2:
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"the killed worker was not replaced: {server.worker_pids()}")
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", "/readyz")
    assert connection.getresponse().status == 200
    connection.close()
