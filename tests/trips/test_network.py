"""The stations and route durations each worker keeps in memory for searches (trips.network)
are read again after any write to them, answers cache on or off: a search never shows a
station's old name, a deactivated station or an old duration."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from louage.stations import services as stations
from louage.trips import network as trips_network
from louage.trips import search_cache
from louage.trips import services as trips
from louage.trips.models import RouteDuration
from tests.network_factories import StationFactory
from tests.trips import test_search as base
from tests.trips.test_search import make

pytestmark = pytest.mark.django_db

network = base.network  # the search tests' fixtures
frozen_noon = base.frozen_noon


@pytest.fixture(params=[0, 10], ids=["answers not cached", "answers cached"])
def answers_cache(request, settings):
    settings.SEARCH_CACHE_SECONDS = request.param
    return request.param


def search(api, **params):
    with CaptureQueriesContext(connection) as ctx:
        body = api().get("trips", {"origin": "Tunis", **params}).json()
    return body, [q["sql"] for q in ctx.captured_queries]


def reads_stations(queries):
    return any('FROM "stations_station"' in sql for sql in queries)


def _duration(trip, admin, minutes):
    trips.set_route_duration(
        by=admin, origin_city=trip.origin.city, destination_city=trip.destination.city,
        minutes=minutes,
    )  # fmt: skip


WRITES = {
    "station updated": lambda trip, admin: stations.update_station(
        station=trip.destination, by=admin, name="Sousse Nouvelle Gare"
    ),
    "station deactivated": lambda trip, admin: stations.set_station_active(
        station=trip.origin, active=False, by=admin
    ),
    "station saved": lambda trip, admin: trip.origin.save(),
    "station created": lambda trip, admin: StationFactory(name="Bizerte Centre", city="Bizerte"),
    "station deleted": lambda trip, admin: StationFactory(name="Nabeul", city="Nabeul").delete(),
    "duration set": lambda trip, admin: _duration(trip, admin, 95),
    "duration cleared": lambda trip, admin: _duration(trip, admin, None),
    "durations updated in bulk": lambda trip, admin: RouteDuration.objects.update(minutes=50),
    "durations deleted in bulk": lambda trip, admin: RouteDuration.objects.all().delete(),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_every_write_to_a_station_or_a_duration_makes_searches_read_them_again(
    api, network, frozen_noon, admin_user, answers_cache, write
):
    trip = make(network, frozen_noon, 2)
    RouteDuration.objects.create(
        origin_city=trip.origin.city, destination_city=trip.destination.city, minutes=80
    )
    search(api)
    kept = trips_network.current()
    assert trips_network.current() is kept  # unchanged: not read again
    assert not reads_stations(search(api)[1])
    write(trip, admin_user)
    assert trips_network.current() is not kept
    assert trips_network.current().generation != kept.generation


def test_a_renamed_station_is_shown_by_the_next_search(
    api, web, network, frozen_noon, admin_user, answers_cache
):
    trip = make(network, frozen_noon, 2)
    body, _ = search(api)
    assert body["items"][0]["destination"]["name"] == trip.destination.name
    web.get("/departs/", {"origin": "Tunis"})
    stations.update_station(station=trip.destination, by=admin_user, name="Sousse Nouvelle Gare")
    body, queries = search(api)
    assert body["items"][0]["destination"]["name"] == "Sousse Nouvelle Gare"
    assert reads_stations(queries)
    assert "Sousse Nouvelle Gare" in web.get("/departs/", {"origin": "Tunis"}).content.decode()
    # Found by its new name, no longer by the old one.
    assert search(api, destination="Sousse Nouvelle Gare")[0]["count"] == 1
    assert search(api, destination=trip.destination.name)[0]["count"] == 0


def test_a_deactivated_station_is_no_longer_found_by_its_city(
    api, network, frozen_noon, admin_user, answers_cache
):
    make(network, frozen_noon, 2)
    assert search(api, destination="Sousse")[0]["count"] == 1
    stations.set_station_active(station=network["sousse"], active=False, by=admin_user)
    assert search(api, destination="Sousse")[0]["count"] == 0
    stations.set_station_active(station=network["sousse"], active=True, by=admin_user)
    assert search(api, destination="Sousse")[0]["count"] == 1


def test_a_duration_set_by_an_administrator_is_shown_by_the_next_search(
    api, network, frozen_noon, admin_user, answers_cache
):
    trip = make(network, frozen_noon, 2)
    first = search(api)[0]["items"][0]
    assert first["duration_estimated"] is True
    _duration(trip, admin_user, 95)
    item = search(api)[0]["items"][0]
    assert (item["duration_minutes"], item["duration_estimated"]) == (95, False)
    _duration(trip, admin_user, None)
    assert search(api)[0]["items"][0] == first


def test_without_the_shared_cache_the_network_is_read_on_every_search(
    api, network, frozen_noon, monkeypatch
):
    from django.core.cache import cache

    def broken(*args, **kwargs):
        raise ConnectionError("cache away")

    make(network, frozen_noon, 2)
    for name in ("get", "set", "incr"):
        monkeypatch.setattr(cache, name, broken)
    assert search_cache.network_generation() is None
    for _ in range(2):
        body, queries = search(api)
        assert body["count"] == 1 and reads_stations(queries)


def test_a_network_kept_too_long_is_read_again(api, network, frozen_noon, monkeypatch):
    make(network, frozen_noon, 2)
    kept = trips_network.current()
    assert trips_network.current() is kept
    monkeypatch.setattr(trips_network, "MAX_AGE", 0)
    assert trips_network.current() is not kept
