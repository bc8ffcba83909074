"""The search answers cache (trips.search_cache): an answer is reused only while nothing it
shows has changed."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from louage.booking import services as booking
from louage.stations.models import Station
from louage.trips.models import RouteDuration, Trip
from tests.trips import test_search as base
from tests.trips.test_search import at, make

pytestmark = pytest.mark.django_db

network = base.network  # the search tests' fixtures
frozen_noon = base.frozen_noon


def search(api, **params):
    with CaptureQueriesContext(connection) as ctx:
        body = api().get("trips", {"origin": "Tunis", **params}).json()
    return body, [q["sql"] for q in ctx.captured_queries]


def reads_trips(queries):
    return any('FROM "trips_trip"' in sql for sql in queries)


def test_the_same_search_is_answered_from_the_cache(api, network, frozen_noon):
    make(network, frozen_noon, 2)
    first, queries = search(api)
    assert reads_trips(queries)
    again, queries = search(api)
    assert again == first and len(first["items"]) == 1
    assert queries == []  # not even the stations are read
    other, queries = search(api, destination="Sfax")  # another search is its own answer
    assert other["items"] == [] and reads_trips(queries)


def test_a_booking_changes_the_seats_the_next_search_shows(api, network, frozen_noon, client_user):
    trip = make(network, frozen_noon, 2)
    before, _ = search(api)
    booking.reserve_seats(trip=trip, client=client_user, seats=3)
    after, queries = search(api)
    assert reads_trips(queries)
    assert after["items"][0]["seats_available"] == before["items"][0]["seats_available"] - 3


@pytest.mark.parametrize(
    "change",
    [
        lambda trip: Trip.objects.filter(pk=trip.pk).update(price=trip.price + 1000),
        lambda trip: Trip.objects.filter(pk=trip.pk).update(status="cancelled"),
        lambda trip: trip.save(update_fields=["departure"]),
        lambda trip: Station.objects.filter(pk=trip.destination_id).first().save(),
        lambda trip: trip.vehicle.save(),
        lambda trip: RouteDuration.objects.create(
            origin_city=trip.origin.city, destination_city=trip.destination.city, minutes=80
        ),
    ],
    ids=["price", "cancelled", "saved", "station", "vehicle", "duration"],
)
def test_any_change_to_what_an_answer_shows_forgets_it(api, network, frozen_noon, change):
    trip = make(network, frozen_noon, 2)
    search(api)
    change(trip)
    _, queries = search(api)
    assert reads_trips(queries)


def test_answers_follow_the_clock(api, network, frozen_noon, monkeypatch):
    make(network, frozen_noon, 0.05)  # leaves at 12:03
    assert len(search(api)[0]["items"]) == 1
    monkeypatch.setattr("louage.core.clock.now", lambda: at(frozen_noon, 0.1))  # 12:06
    assert search(api)[0]["items"] == []


def test_without_the_cache_every_search_reads_the_database(api, network, frozen_noon, settings):
    settings.SEARCH_CACHE_SECONDS = 0
    make(network, frozen_noon, 2)
    search(api)
    assert reads_trips(search(api)[1])


def test_a_broken_cache_never_fails_a_search(api, network, frozen_noon, monkeypatch):
    from django.core.cache import cache

    def broken(*args, **kwargs):
        raise ConnectionError("cache away")

    make(network, frozen_noon, 2)
    for name in ("get", "set", "incr"):
        monkeypatch.setattr(cache, name, broken)
    body, queries = search(api)
    assert len(body["items"]) == 1 and reads_trips(queries)
    assert len(search(api)[0]["items"]) == 1
    Trip.objects.update(price=30_000)  # a write with the cache away still works
    assert search(api)[0]["items"][0]["price"] == 30_000


def test_arrival_times_survive_the_cache(api, network, frozen_noon):
    trip = make(network, frozen_noon, 2)
    RouteDuration.objects.create(
        origin_city=trip.origin.city, destination_city=trip.destination.city, minutes=95
    )
    first = search(api)[0]["items"][0]
    cached = search(api)[0]["items"][0]
    assert first == cached and first["duration_minutes"] == 95
    assert first["arrival"].startswith(
        (trip.departure + timedelta(minutes=95))
        .astimezone(frozen_noon.tzinfo)
        .strftime("%Y-%m-%dT%H:%M")
    )


@pytest.mark.django_db(transaction=True)
def test_a_booking_raises_the_generation_once_after_its_commit(
    settings, monkeypatch, trip, client_user
):
    """In a service's transaction the generation is raised only after the commit (one
    shared-cache write per booking); in a test's, which never commits, at once as well."""
    from louage.trips import search_cache

    settings.SEARCH_CACHE_SECONDS = 10
    raised = []
    bump = search_cache._bump
    monkeypatch.setattr(search_cache, "_bump",
                        lambda: (raised.append(connection.in_atomic_block), bump()))  # fmt: skip
    booking.reserve_seats(trip=trip, client=client_user, seats=1)
    assert raised == [False]  # once, after the commit

    raised.clear()
    from django.db import transaction

    with transaction.atomic():  # not a service's: it might never commit
        booking.reserve_seats(trip=trip, client=client_user, seats=1)
        assert raised == [True]
    assert raised == [True, False]
