import random
from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from louage.trips.models import Trip, TripStatus
from louage.trips.selectors import TUNIS, search_trips
from tests.network_factories import StationFactory, TripFactory, VehicleFactory
from tests.support.network_data import generate_network

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen_noon(monkeypatch):
    """It is 12:00 in Tunis on a fixed day, so 'today' and 'past' are unambiguous."""
    noon = datetime(2031, 3, 10, 12, 0, tzinfo=TUNIS)
    monkeypatch.setattr("louage.core.clock.now", lambda: noon)
    return noon


def at(noon, hours):
    return noon + timedelta(hours=hours)


@pytest.fixture
def network(station, other_station, vehicle):
    sfax = StationFactory(name="Sfax Bab Jebli", city="Sfax")
    return {"tunis": station, "sousse": other_station, "sfax": sfax, "vehicle": vehicle}


def make(network, noon, hours, destination="sousse", **extra):
    vehicle = VehicleFactory(station=network["tunis"])
    return TripFactory(
        origin=network["tunis"],
        destination=network[destination],
        vehicle=vehicle,
        departure=at(noon, hours),
        **extra,
    )


def test_search_returns_upcoming_scheduled_trips_with_enough_seats_in_time_order(
    api, network, frozen_noon
):
    later = make(network, frozen_noon, 5)
    sooner = make(network, frozen_noon, 1)
    make(network, frozen_noon, -1)  # already left
    make(network, frozen_noon, 2, status=TripStatus.CANCELLED)
    make(network, frozen_noon, 3, seats_available=0)  # full
    make(network, frozen_noon, 4, destination="sfax")  # other route
    make(network, frozen_noon, 30)  # tomorrow
    body = api().get("trips", {"origin": "Tunis", "destination": "sousse"}).json()
    assert [t["id"] for t in body["items"]] == [sooner.pk, later.pk]
    assert body["count"] == 2
    # The full and past ones are still in the database.
    assert Trip.objects.count() == 7


def test_search_by_station_id_or_city_and_date_and_seats(api, network, frozen_noon):
    trip = make(network, frozen_noon, 2, seats_available=2)
    tomorrow = make(network, frozen_noon, 26)
    by_id = (
        api()
        .get("trips", {"origin": network["tunis"].pk, "destination": network["sousse"].pk})
        .json()
    )
    assert [t["id"] for t in by_id["items"]] == [trip.pk]
    assert (
        api().get("trips", {"origin": "TUNIS", "destination": "Sousse", "seats": 3}).json()["count"]
        == 0
    )
    next_day = (frozen_noon + timedelta(days=1)).date().isoformat()
    assert [
        t["id"] for t in api().get("trips", {"origin": "Tunis", "date": next_day}).json()["items"]
    ] == [tomorrow.pk]
    assert api().get("trips", {"origin": "Paris"}).json()["count"] == 0


@pytest.mark.parametrize(
    "params",
    [{"seats": 0}, {"seats": 9}, {"seats": "deux"}, {"date": "2031-13-45"}, {"page_size": 500}],
)
def test_bad_search_parameters_are_422(api, params):
    response = api().get("trips", params)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


def test_search_paginates(api, network, frozen_noon):
    for hour in range(1, 12):
        make(network, frozen_noon, hour + 0.01 * hour)
    first = api().get("trips", {"origin": "Tunis", "page_size": 5}).json()
    third = api().get("trips", {"origin": "Tunis", "page_size": 5, "page": 3}).json()
    assert first["count"] == 11 and len(first["items"]) == 5 and len(third["items"]) == 1
    assert third["count"] == 11  # counted from the short last page, without COUNT(*)
    beyond = api().get("trips", {"origin": "Tunis", "page_size": 5, "page": 4}).json()
    assert (beyond["items"], beyond["count"], beyond["next"]) == ([], 11, None)
    assert beyond["previous"].endswith("page_size=5&page=3")


def test_a_search_that_fits_on_one_page_runs_no_count_query(api, network, frozen_noon):
    for hour in range(1, 4):
        make(network, frozen_noon, hour)
    with CaptureQueriesContext(connection) as ctx:
        body = api().get("trips", {"origin": "Tunis"}).json()
    assert body["count"] == len(body["items"]) == 3
    assert not any("COUNT(" in q["sql"] for q in ctx.captured_queries)
    with CaptureQueriesContext(connection) as ctx:
        body = api().get("trips", {"origin": "Tunis", "page_size": 2}).json()
    assert body["count"] == 3 and len(body["items"]) == 2  # a full page: counted
    assert any("COUNT(" in q["sql"] for q in ctx.captured_queries)


def count_queries(callable_):
    with CaptureQueriesContext(connection) as ctx:
        callable_()
    return len(ctx.captured_queries)


def test_search_api_and_page_use_a_constant_number_of_queries(api, web, network, frozen_noon):
    for hour in range(1, 4):
        make(network, frozen_noon, hour)
    api().get("trips", {"origin": "Sfax"})  # the worker reads the network (trips.network)
    api_few = count_queries(lambda: api().get("trips", {"origin": "Tunis", "page_size": 100}))
    page_few = count_queries(lambda: web.get("/departs/", {"origin": "Tunis"}))
    for i in range(40):
        make(network, frozen_noon, 4 + i * 0.1)
    api_many = count_queries(lambda: api().get("trips", {"origin": "Tunis", "page_size": 100}))
    page_many = count_queries(lambda: web.get("/departs/", {"origin": "Tunis"}))
    # The departures only: stations and durations are in memory, one page needs no count.
    assert api_few == api_many == 1
    # The page: the count, its departures and the route's queues; no station list.
    assert page_few == page_many == 3


def test_search_page_renders_results_and_htmx_gets_only_the_fragment(web, network, frozen_noon):
    make(network, frozen_noon, 2)
    full = web.get("/departs/", {"origin": "tunis", "destination": "Sousse"})
    html = full.content.decode()
    assert "<html" in html and "1 départ trouvé" in html and "12,000 DT" in html
    fragment = web.get(
        "/departs/", {"origin": "tunis"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "<html" not in fragment and "1 départ trouvé" in fragment


def test_search_page_shows_form_errors_instead_of_failing(web):
    response = web.get("/departs/", {"seats": "99", "date": "n'importe"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


def test_search_on_a_large_network_matches_a_brute_force_filter(monkeypatch):
    noon = datetime(2031, 3, 10, 12, 0, tzinfo=TUNIS)
    monkeypatch.setattr("louage.core.clock.now", lambda: noon)
    stations = generate_network(
        stations=50, trips=20_000, start=noon - timedelta(days=10), days=40, seed=7
    )
    all_trips = list(
        Trip.objects.values(
            "id", "origin_id", "destination_id", "departure", "status", "seats_available"
        )
    )
    rng = random.Random(3)
    day_start = datetime.combine(noon.date(), time.min, tzinfo=TUNIS)
    for _ in range(25):
        origin, destination = rng.sample(stations, 2)
        day = (noon + timedelta(days=rng.randint(0, 5))).date()
        seats = rng.randint(1, 4)
        start = max(datetime.combine(day, time.min, tzinfo=TUNIS), noon)
        end = datetime.combine(day, time.min, tzinfo=TUNIS) + timedelta(days=1)
        expected = sorted(
            (t["departure"], t["id"])
            for t in all_trips
            if t["origin_id"] == origin.pk
            and t["destination_id"] == destination.pk
            and t["status"] == TripStatus.SCHEDULED
            and start <= t["departure"] < end
            and t["seats_available"] >= seats
        )
        found = list(
            search_trips(
                origin=str(origin.pk), destination=str(destination.pk), day=day, seats=seats
            ).values_list("id", flat=True)
        )
        assert found == [trip_id for _, trip_id in expected]
    assert day_start < noon


def test_search_query_plan_uses_the_route_index():
    with connection.cursor() as cursor:
        sql, params = search_trips(origin="1", destination="2", seats=1).query.sql_with_params()
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "trip_search_idx" in plan, plan


def test_departure_page_has_what_a_traveller_needs(web, trip):
    html = web.get(f"/departs/{trip.pk}/").content.decode()
    for expected in ["Tunis Moncef Bey", "Sousse Centre", "12,000 DT", "123 TU 4567", "8 / 8"]:
        assert expected in html
    assert web.get("/departs/999999/").status_code == 404


def test_departures_board_lists_next_departures_and_refreshes_itself(web, trip):
    full = web.get(f"/stations/{trip.origin_id}/tableau/").content.decode()
    assert 'hx-trigger="every 10s"' in full and f'data-trip="{trip.pk}"' in full
    rows = web.get(
        f"/stations/{trip.origin_id}/tableau/", headers={"HX-Request": "true"}
    ).content.decode()
    assert "<html" not in rows and f'data-trip="{trip.pk}"' in rows
    Trip.objects.filter(pk=trip.pk).update(departure=timezone.now() - timedelta(minutes=1))
    assert (
        f'data-trip="{trip.pk}"'
        not in web.get(f"/stations/{trip.origin_id}/tableau/").content.decode()
    )
