"""Visit counting under the web server with several workers: every worker's counts reach the
database within seconds, visitors are shared across workers, recycled and stopped workers
write what they held, and no address is stored."""

import signal
import time
import urllib.request

import pytest

from .conftest import BROWSER

pytestmark = pytest.mark.live


def get(server, path, address, agent=BROWSER):
    request = urllib.request.Request(
        server.url + path, headers={"User-Agent": agent, "X-Forwarded-For": address}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
        return response.status


def counts(server):
    views = server.sql("SELECT COALESCE(SUM(views), 0) FROM reporting_dailypageviews")[0][0]
    visitors = server.sql("SELECT COALESCE(SUM(visitors), 0) FROM reporting_dailyvisitors")[0][0]
    return views, visitors


def wait_for(server, expected, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if counts(server) == expected:
            return True
        time.sleep(0.3)
    return False


def test_workers_flush_within_seconds_and_share_visitors(live_app):
    server = live_app(
        "sqlite", workers=3, env={"VISITS_FLUSH_SECONDS": "1", "TRUSTED_PROXY_COUNT": "1"}
    )
    addresses = ["198.51.100.10", "198.51.100.11", "198.51.100.12"]
    for n in range(30):
        assert get(server, "/" if n % 2 else "/stations/", addresses[n % 3]) == 200
    get(server, "/api/v1/stations", addresses[0])
    get(server, "/healthz", addresses[0])
    get(server, "/static/css/louage.css", addresses[0])
    get(server, "/", addresses[0], agent="Googlebot/2.1 (+http://www.google.com/bot.html)")
    assert wait_for(server, (30, 3)), counts(server)
    pages = dict(server.sql("SELECT page, views FROM reporting_dailypageviews"))
    assert pages == {"home": 15, "stations:list": 15}

    dump = "\n".join(
        repr(server.sql(f'SELECT * FROM "{table}"'))  # noqa: S608 - names from the schema
        for (table,) in server.sql("SELECT name FROM sqlite_master WHERE type = 'table'")
    )
    assert not any(address in dump for address in addresses)


def test_recycled_and_stopped_workers_write_what_they_held(live_app):
    # Flushing only at exit: counts reach the database when a worker is replaced (a reload,
    # as when it is recycled) or stopped.
    server = live_app("sqlite", workers=2, env={"VISITS_FLUSH_SECONDS": "3600"})
    for _ in range(20):
        assert get(server, "/", "127.0.0.1") == 200
    assert counts(server) == (0, 0)
    old = set(server.worker_pids())
    server.signal_master(signal.SIGHUP)
    assert wait_for(server, (20, 1)), counts(server)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (old & set(server.worker_pids())
                                           or len(server.worker_pids()) != 2):  # fmt: skip
        time.sleep(0.2)
    for _ in range(3):
        assert get(server, "/", "127.0.0.1") == 200
    server.stop()
    assert counts(server) == (23, 1)
