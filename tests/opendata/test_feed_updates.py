"""GET /gtfs.zip serves what the task worker built, and changes queue one rebuild."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from louage.core import clock, housekeeping
from louage.opendata import services
from louage.opendata.models import FEED_ID, Feed
from louage.opendata.tasks import build_gtfs_feed
from louage.trips import services as trip_services
from louage.trips.models import Trip
from tests.network_factories import TripFactory, VehicleFactory
from tests.opendata.conftest import read_feed

pytestmark = pytest.mark.django_db

TASK_PATH = "louage.opendata.tasks.build_gtfs_feed"


@pytest.fixture
def relayed(django_capture_on_commit_callbacks):
    """`with relayed(): change()`: the change's events reach their subscribers on commit."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def queued_builds():
    return DBTaskResult.objects.filter(task_path=TASK_PATH, status="READY")


def plan(trip, hours):
    return trip_services.plan_trip(
        by=trip.origin.chief,
        destination_id=trip.destination_id,
        vehicle_id=VehicleFactory(station=trip.origin).pk,
        departure=clock.now() + timedelta(hours=hours),
        price=10_000,
        seats_total=8,
    )


def test_before_the_first_build_the_feed_answers_503_and_queues_a_build(client):
    response = client.get("/gtfs.zip")
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "préparation" in response.content.decode()
    assert queued_builds().count() == 1
    assert not Feed.objects.get(pk=FEED_ID).name  # queued, not built in the request
    assert client.get("/gtfs.zip").status_code == 503
    assert queued_builds().count() == 1  # the second request joins the queued build


def test_the_built_feed_is_served_with_its_etag_and_a_conditional_get_gets_304(client, trip):
    feed = services.build_feed()
    response = client.get("/gtfs.zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["ETag"] == f'"{feed.etag}"'
    assert response["Last-Modified"]
    body = b"".join(response.streaming_content)
    assert str(trip.pk) in {t["trip_id"] for t in read_feed(body)["trips.txt"]}

    again = client.get("/gtfs.zip", headers={"If-None-Match": response["ETag"]})
    assert again.status_code == 304 and again["ETag"] == response["ETag"]
    since = client.get("/gtfs.zip", headers={"If-Modified-Since": response["Last-Modified"]})
    assert since.status_code == 304
    stale = client.get("/gtfs.zip", headers={"If-None-Match": '"an-older-feed"'})
    assert stale.status_code == 200
    assert client.head("/gtfs.zip").status_code == 200
    assert client.post("/gtfs.zip").status_code == 405


def test_an_unchanged_network_keeps_its_file_and_etag_a_changed_one_gets_new_ones(trip):
    first = services.build_feed()
    built_at = first.built_at
    same = services.build_feed()
    assert (same.name, same.etag, same.built_at) == (first.name, first.etag, built_at)

    Trip.objects.filter(pk=trip.pk).update(departure=trip.departure + timedelta(minutes=15))
    second = services.build_feed()
    assert second.etag != first.etag and second.built_at > built_at
    TripFactory(origin=trip.origin, destination=trip.destination)
    third = services.build_feed()
    # The file before stays for requests that read its name just before; older ones go.
    files = services.storage().listdir("gtfs")[1]
    assert sorted(files) == sorted(n.split("/")[1] for n in (second.name, third.name))


def test_a_burst_of_changes_queues_one_rebuild_a_little_later(trip, settings, relayed):
    settings.GTFS_REBUILD_DELAY_SECONDS = 30
    before = clock.now()
    for hours in (4, 5, 6):
        with relayed():
            plan(trip, hours)
    (task,) = queued_builds()
    assert before + timedelta(seconds=29) <= task.run_after <= clock.now() + timedelta(seconds=31)

    build_gtfs_feed.call()  # what the worker does when the time comes
    feed = Feed.objects.get(pk=FEED_ID)
    assert feed.rebuild_requested_at is None and len(feed.counts) > 0
    with relayed():
        trip_services.cancel_trip(trip=trip, by=trip.origin.chief)
    assert queued_builds().count() == 2  # a change after the build queues the next one


def test_edits_and_cancellations_of_departures_queue_a_rebuild(trip, relayed):
    with relayed():
        new = plan(trip, 4)
    for change in (
        lambda: trip_services.update_trip(trip=new, by=trip.origin.chief, price=11_000),
        lambda: trip_services.cancel_trip(trip=new, by=trip.origin.chief),
    ):
        Feed.objects.filter(pk=FEED_ID).update(rebuild_requested_at=None)
        with relayed():
            change()
        assert Feed.objects.get(pk=FEED_ID).rebuild_requested_at is not None


def test_the_vehicles_of_a_queue_coming_and_going_queue_no_rebuild(
    queue, vehicles, chief_user, relayed
):
    from louage.queues import services as queues

    with relayed():
        queues.add_vehicle(queue=queue, by=chief_user, vehicle_id=vehicles[0].pk)
        queues.send_loading(queue=queue, by=chief_user)
    assert queued_builds().count() == 0


def test_a_queued_rebuild_that_was_lost_is_queued_again(trip):
    assert services.request_rebuild() is True
    assert services.request_rebuild() is False
    Feed.objects.filter(pk=FEED_ID).update(
        rebuild_requested_at=clock.now() - services.LOST_AFTER - timedelta(seconds=1)
    )
    assert services.request_rebuild() is True


def test_the_scheduler_rebuilds_an_old_feed_and_leaves_a_fresh_one(trip, settings):
    settings.GTFS_MAX_AGE_MINUTES = 15
    services.build_feed()
    call_command("sweep_holds", "--once")
    assert queued_builds().count() == 0
    Feed.objects.filter(pk=FEED_ID).update(checked_at=clock.now() - timedelta(minutes=16))
    assert housekeeping.run() == []
    assert queued_builds().count() == 1


def test_the_scheduler_builds_a_first_feed(db):
    call_command("sweep_holds", "--once")
    assert queued_builds().count() == 1


def test_the_build_command_builds_now(trip, capsys):
    call_command("build_gtfs")
    assert "trips.txt 1" in capsys.readouterr().out
    assert Feed.objects.get(pk=FEED_ID).name
