"""The feed on a live server: built by a real task worker, rebuilt after a chief plans a
departure, served with ETag and 304s."""

import time
import urllib.error
import urllib.request

import pytest

from louage.core.times import local_today
from tests.opendata.conftest import read_feed
from tests.support.servers import TaskWorker

pytestmark = pytest.mark.live


def fetch(url, headers=None, data=None):
    request = urllib.request.Request(url, headers=headers or {}, data=data)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            # The message, not a dict: header names are case-insensitive (the web server
            # writes them in lower case).
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def wait_for(check, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError("gave up waiting")


def test_the_task_worker_builds_the_feed_and_rebuilds_it_when_a_departure_is_planned(
    live_app, gtfs_validator, tmp_path
):
    server = live_app("sqlite", workers=2, seed_demo=True, env={"GTFS_REBUILD_DELAY_SECONDS": "1"})
    status, headers, _body = fetch(server.url + "/gtfs.zip")
    assert status == 503 and headers["Retry-After"] == "60"

    worker = TaskWorker(server.env, tmp_path / "tasks.log").start()
    try:
        status, headers, body = wait_for(
            lambda: (answer := fetch(server.url + "/gtfs.zip"))[0] == 200 and answer
        )
        gtfs_validator(body, local_today()).assert_valid()
        etag = headers["ETag"]
        assert fetch(server.url + "/gtfs.zip", {"If-None-Match": etag})[0] == 304

        planned = server.shell_json(
            "import json; from datetime import timedelta; from louage.core import clock;"
            "from louage.stations.models import Station, Vehicle; from louage.trips import services;"
            "s = Station.objects.get(chief__email='chef.tunis@louage.tn');"
            "d = Station.objects.filter(city='Sousse').first();"
            "v = Vehicle.objects.create(plate='999 TU 9999', owner_name='Test', station=s);"
            "t = services.plan_trip(by=s.chief, destination_id=d.pk, vehicle_id=v.pk,"
            " departure=clock.now() + timedelta(days=2), price=10000);"
            "print(json.dumps({'id': t.pk}))"
        )
        status, headers, body = wait_for(
            lambda: (
                (answer := fetch(server.url + "/gtfs.zip", {"If-None-Match": etag}))[0] == 200
                and answer
            )
        )
        assert headers["ETag"] != etag
        assert str(planned["id"]) in {t["trip_id"] for t in read_feed(body)["trips.txt"]}
        assert headers["Content-Type"] == "application/zip"
    finally:
        worker.stop()
