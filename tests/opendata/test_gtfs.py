"""The GTFS feed: what it says of the network, checked by a published GTFS validator."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest

from louage.core.demo import seed
from louage.core.times import TUNIS, local_today
from louage.opendata import services
from louage.opendata.gtfs import gtfs_time
from louage.queues.models import Queue, QueuedVehicle, TurnStatus
from louage.stations.models import Station
from louage.trips.models import RouteDuration, Trip, TripKind, TripStatus
from tests.network_factories import StationFactory, TripFactory, VehicleFactory
from tests.opendata.conftest import read_feed
from tests.support.network_data import generate_network

pytestmark = pytest.mark.django_db

FILES = {
    "agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt",
    "calendar_dates.txt", "frequencies.txt", "fare_attributes.txt", "fare_rules.txt",
    "translations.txt", "feed_info.txt",
}  # fmt: skip


def built():
    feed = services.build_feed()
    with services.storage().open(feed.name, "rb") as handle:
        return handle.read()


def local_at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=TUNIS)


def stop_times_of(tables, trip_id):
    rows = [r for r in tables["stop_times.txt"] if r["trip_id"] == str(trip_id)]
    return sorted(rows, key=lambda r: int(r["stop_sequence"]))


def test_gtfs_times_go_past_24_hours():
    assert gtfs_time(0) == "00:00:00"
    assert gtfs_time(23 * 3600 + 59 * 60 + 59) == "23:59:59"
    assert gtfs_time(25 * 3600 + 10 * 60) == "25:10:00"


def test_the_demo_network_makes_a_feed_with_no_validator_error(gtfs_validator):
    seed()
    data = built()
    gtfs_validator(data, local_today()).assert_valid()

    tables = read_feed(data)
    assert set(tables) == FILES
    assert {s["stop_id"] for s in tables["stops.txt"]} == {
        str(pk) for pk in Station.objects.filter(is_active=True).values_list("pk", flat=True)
    }
    assert {r["route_type"] for r in tables["routes.txt"]} == {"1501"}
    window_end = local_at(local_today() + timedelta(days=31), 0)
    scheduled = Trip.objects.filter(
        kind=TripKind.SCHEDULED,
        status__in=[TripStatus.SCHEDULED, TripStatus.DEPARTED],
        departure__gte=local_at(local_today(), 0),
        departure__lt=window_end,
    )
    trip_ids = {t["trip_id"] for t in tables["trips.txt"]}
    assert {str(pk) for pk in scheduled.values_list("pk", flat=True)} <= trip_ids
    assert len(tables["stop_times.txt"]) == 2 * len(tables["trips.txt"])
    # Every demo queue runs in frequencies, vehicles leaving when full.
    assert {f["trip_id"] for f in tables["frequencies.txt"]} == {
        f"queue-{pk}" for pk in Queue.objects.values_list("pk", flat=True)
    }
    assert {f["exact_times"] for f in tables["frequencies.txt"]} == {"0"}
    feed_info = tables["feed_info.txt"][0]
    assert feed_info["feed_start_date"] == local_today().strftime("%Y%m%d")
    assert feed_info["feed_end_date"] == (local_today() + timedelta(days=30)).strftime("%Y%m%d")
    assert tables["agency.txt"][0]["agency_timezone"] == "Africa/Tunis"


def test_a_generated_large_network_makes_a_feed_with_no_validator_error(gtfs_validator):
    generate_network(stations=50, trips=60_000, seed=7)
    data = built()
    tables = read_feed(data)
    assert len(tables["stops.txt"]) == 50
    assert len(tables["trips.txt"]) > 20_000
    gtfs_validator(data, local_today()).assert_valid()


def test_a_departure_arriving_after_midnight_counts_its_hours_past_24(trip, gtfs_validator):
    RouteDuration.objects.create(origin_city="Tunis", destination_city="Sousse", minutes=100)
    today = local_today()
    Trip.objects.filter(pk=trip.pk).update(departure=local_at(today, 23, 30))
    data = built()
    tables = read_feed(data)

    leave, arrive = stop_times_of(tables, trip.pk)
    assert (leave["stop_id"], leave["departure_time"]) == (str(trip.origin_id), "23:30:00")
    assert (arrive["stop_id"], arrive["arrival_time"]) == (str(trip.destination_id), "25:10:00")
    assert arrive["timepoint"] == "1"  # the route's duration is set, not estimated
    assert (leave["drop_off_type"], arrive["pickup_type"]) == ("1", "1")
    (row,) = [t for t in tables["trips.txt"] if t["trip_id"] == str(trip.pk)]
    assert row["service_id"] == today.strftime("%Y%m%d")
    assert {"service_id": row["service_id"], "date": row["service_id"], "exception_type": "1"} in (
        tables["calendar_dates.txt"]
    )
    # (A network of one departure does not run every day of the coming week: said, not wrong.)
    gtfs_validator(data, today).assert_valid({"trip_coverage_not_active_for_next7_days"})


def test_an_arrival_without_a_set_duration_is_estimated_and_says_so(trip):
    tables = read_feed(built())
    _leave, arrive = stop_times_of(tables, trip.pk)
    assert arrive["timepoint"] == "0"


def test_a_queue_runs_all_day_in_frequencies_at_its_usual_interval(queue, vehicles, gtfs_validator):
    # Its vehicles took 20, 25 and 40 minutes to fill over the last days: one leaves about
    # every 25 minutes (the median), whenever it is full.
    left = local_at(local_today(), 9)
    for n, minutes in enumerate([20, 25, 40]):
        QueuedVehicle.objects.create(
            queue=queue, vehicle=vehicles[n], status=TurnStatus.DEPARTED, position=n + 1,
            added_at=left - timedelta(days=n, hours=1),
            loading_since=left - timedelta(days=n, minutes=minutes),
            left_at=left - timedelta(days=n), seats_sold=8,
        )  # fmt: skip
    data = built()
    tables = read_feed(data)

    (frequency,) = tables["frequencies.txt"]
    assert frequency == {
        "trip_id": f"queue-{queue.pk}",
        "start_time": "06:00:00",
        "end_time": "20:00:00",
        "headway_secs": str(25 * 60),
        "exact_times": "0",
    }
    (template,) = [t for t in tables["trips.txt"] if t["trip_id"] == f"queue-{queue.pk}"]
    assert template["route_id"] == f"{queue.station_id}-{queue.destination_id}"
    assert template["service_id"] == "queues"
    days = [d["date"] for d in tables["calendar_dates.txt"] if d["service_id"] == "queues"]
    assert len(days) == 31 and days[0] == local_today().strftime("%Y%m%d")
    leave, _arrive = stop_times_of(tables, f"queue-{queue.pk}")
    assert leave["departure_time"] == "06:00:00"
    # The loading vehicle's own departure is the queue's, not a trip of its own.
    queue_trips = Trip.objects.filter(kind=TripKind.QUEUE).values_list("pk", flat=True)
    assert not {str(pk) for pk in queue_trips} & {t["trip_id"] for t in tables["trips.txt"]}
    gtfs_validator(data, local_today()).assert_valid()


def test_a_queue_without_history_runs_at_the_configured_interval(queue, settings):
    settings.GTFS_QUEUE_HEADWAY_MINUTES = 45
    settings.GTFS_QUEUE_HOURS = "05:30-19:00"
    (frequency,) = read_feed(built())["frequencies.txt"]
    assert (frequency["start_time"], frequency["end_time"]) == ("05:30:00", "19:00:00")
    assert frequency["headway_secs"] == str(45 * 60)


def test_official_fares_become_fare_attributes_of_their_routes(trip, fare):
    tables = read_feed(built())
    (attributes,) = tables["fare_attributes.txt"]
    assert attributes == {
        "fare_id": f"fare-{fare.pk}",
        "price": "12.750",
        "currency_type": "TND",
        "payment_method": "1",
        "transfers": "0",
        "agency_id": "louage",
    }
    assert tables["fare_rules.txt"] == [
        {"fare_id": f"fare-{fare.pk}", "route_id": f"{trip.origin_id}-{trip.destination_id}"}
    ]


def test_a_route_without_an_official_fare_has_no_fare_file(trip):
    tables = read_feed(built())
    assert "fare_attributes.txt" not in tables and "fare_rules.txt" not in tables
    assert "frequencies.txt" not in tables


def test_cancelled_queue_far_and_closed_station_departures_stay_out(trip, station):
    today = local_today()
    closed = StationFactory(
        name="Nabeul", city="Nabeul", latitude=Decimal("36.45"), longitude=Decimal("10.73"),
        is_active=False,
    )  # fmt: skip
    left_out = [
        TripFactory(origin=station, destination=trip.destination, status=TripStatus.CANCELLED),
        TripFactory(origin=station, destination=trip.destination, kind=TripKind.QUEUE),
        TripFactory(
            origin=station,
            destination=trip.destination,
            departure=local_at(today, 8) + timedelta(days=31),
        ),
        TripFactory(origin=station, destination=closed),
        TripFactory(origin=closed, destination=station, vehicle=VehicleFactory(station=closed)),
        TripFactory(
            origin=station,
            destination=trip.destination,
            departure=local_at(today, 0) - timedelta(minutes=1),
        ),
    ]
    kept = [
        trip,
        TripFactory(origin=station, destination=trip.destination, status=TripStatus.DEPARTED,
                    departure=local_at(today, 0)),
        TripFactory(origin=station, destination=trip.destination,
                    departure=local_at(today + timedelta(days=30), 23, 59)),
    ]  # fmt: skip
    tables = read_feed(built())
    assert {t["trip_id"] for t in tables["trips.txt"]} == {str(t.pk) for t in kept}
    assert str(closed.pk) not in {s["stop_id"] for s in tables["stops.txt"]}
    assert left_out  # (made above)


def test_stations_arabic_names_are_translations(trip):
    Station.objects.filter(pk=trip.origin_id).update(name_ar="تونس المنصف باي")
    tables = read_feed(built())
    assert tables["translations.txt"] == [
        {
            "table_name": "stops",
            "field_name": "stop_name",
            "language": "ar",
            "translation": "تونس المنصف باي",
            "record_id": str(trip.origin_id),
        }
    ]


def test_the_route_type_falls_back_to_700_when_set(trip, settings):
    settings.GTFS_ROUTE_TYPE = 700
    assert {r["route_type"] for r in read_feed(built())["routes.txt"]} == {"700"}
