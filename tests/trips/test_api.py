from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from louage.trips.models import RouteDuration, Trip, TripStatus
from tests.factories import ClientFactory
from tests.network_factories import StationFactory, TripFactory, VehicleFactory

pytestmark = pytest.mark.django_db
TUNIS = ZoneInfo("Africa/Tunis")


def future(hours=24):
    return (timezone.now() + timedelta(hours=hours)).astimezone(TUNIS).replace(microsecond=0)


def plan_payload(vehicle, destination, **extra):
    return {
        "destination_id": destination.pk,
        "vehicle_id": vehicle.pk,
        "departure": future().isoformat(),
        "price": 12_500,
        **extra,
    }


def test_chief_plans_a_departure_from_its_station(api, vehicle, other_station):
    response = api(vehicle.station.chief).post("trips", plan_payload(vehicle, other_station))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["origin"] == {"id": vehicle.station_id, "name": "Tunis Moncef Bey", "city": "Tunis"}
    assert body["destination_id"] == other_station.pk
    assert body["vehicle_plate"] == "123 TU 4567"
    assert (body["seats_total"], body["seats_available"], body["price"], body["status"]) == (
        8,
        8,
        12_500,
        "scheduled",
    )
    assert body["departure"].endswith("+01:00")


def test_a_chiefs_trip_always_leaves_from_its_station(api, vehicle, other_station):
    elsewhere = StationFactory(name="Bizerte", city="Bizerte")
    payload = plan_payload(vehicle, other_station, origin_id=elsewhere.pk)
    response = api(vehicle.station.chief).post("trips", payload)
    assert response.status_code == 201
    assert response.json()["origin_id"] == vehicle.station_id


def test_server_sets_availability_and_refuses_client_supplied_seats_available(
    api, vehicle, other_station
):
    payload = plan_payload(vehicle, other_station, seats_available=1)
    assert api(vehicle.station.chief).post("trips", payload).status_code == 422
    assert not Trip.objects.exists()


@pytest.mark.parametrize(
    "change, field, status",
    [
        ({"price": 0}, "price", 422),
        ({"price": -5}, "price", 422),
        ({"price": "douze"}, "price", 422),
        ({"price": True}, "price", 422),
        ({"seats_total": 9}, "seats_total", 409),  # more than this vehicle has
        ({"seats_total": 10}, "seats_total", 422),
        ({"seats_total": 0}, "seats_total", 422),
        ({"destination_id": 999999}, "destination_id", 404),
        ({"departure": "2020-01-01T10:00:00+01:00"}, "departure", 422),
        ({"departure": "2030-01-01T10:00:00"}, "departure", 422),  # no offset
        ({"departure": 1893488400}, "departure", 422),
        ({"departure": "demain"}, "departure", 422),
    ],
)
def test_bad_departure_fields_are_refused_and_nothing_is_written(
    api, vehicle, other_station, change, field, status
):
    response = api(vehicle.station.chief).post(
        "trips", {**plan_payload(vehicle, other_station), **change}
    )
    assert response.status_code == status, response.content
    assert field in {e["field"] for e in response.json()["errors"]}
    assert not Trip.objects.exists()


def test_same_station_as_destination_or_another_stations_vehicle_is_refused(
    api, vehicle, station, other_station
):
    chief = api(vehicle.station.chief)
    assert chief.post("trips", plan_payload(vehicle, station)).status_code == 422
    foreign = VehicleFactory(station=other_station)
    assert chief.post("trips", plan_payload(foreign, other_station)).status_code == 404
    assert not Trip.objects.exists()


def test_a_vehicle_is_busy_for_its_routes_duration_there_and_back(api, vehicle, other_station):
    RouteDuration.objects.create(
        origin_city=vehicle.station.city, destination_city=other_station.city, minutes=150
    )
    chief = api(vehicle.station.chief)
    first = plan_payload(vehicle, other_station)
    assert chief.post("trips", first).status_code == 201
    # 2 h 30 there and 2 h 30 back: a departure 4 hours later would find it on the road.
    too_close = {**first, "departure": (future() + timedelta(hours=4)).isoformat()}
    response = chief.post("trips", too_close)
    assert response.status_code == 409
    assert response.json()["code"] == "vehicle_busy"
    assert "de retour vers" in response.json()["detail"]
    before = {**first, "departure": (future() - timedelta(hours=4)).isoformat()}
    assert chief.post("trips", before).status_code == 409  # it would not be back in time
    assert Trip.objects.count() == 1
    far_enough = {**first, "departure": (future() + timedelta(hours=5)).isoformat()}
    assert chief.post("trips", far_enough).status_code == 201


def test_permission_matrix_for_planning_editing_and_cancelling(api, trip, other_station):
    other_chief = other_station.chief
    callers = {
        "anonymous": (api(), 401),
        "client": (api(ClientFactory()), 403),
        "other chief": (api(other_chief), 404),
    }
    for name, (caller, expected) in callers.items():
        assert caller.patch(f"trips/{trip.pk}", {"price": 1}).status_code == expected, name
        assert caller.post(f"trips/{trip.pk}/cancel").status_code == expected, name
    assert api().post("trips", plan_payload(trip.vehicle, other_station)).status_code == 401
    assert (
        api(ClientFactory()).post("trips", plan_payload(trip.vehicle, other_station)).status_code
        == 403
    )
    trip.refresh_from_db()
    assert (trip.price, trip.status) == (12_000, TripStatus.SCHEDULED)


def test_chief_edits_price_and_time(api, trip):
    new_time = future(48)
    response = api(trip.origin.chief).patch(
        f"trips/{trip.pk}", {"price": 13_000, "departure": new_time.isoformat()}
    )
    assert response.status_code == 200, response.content
    trip.refresh_from_db()
    assert trip.price == 13_000
    assert trip.departure == new_time


def test_seats_total_never_drops_below_taken_seats(api, trip):
    Trip.objects.filter(pk=trip.pk).update(seats_available=3)  # five seats are taken
    chief = api(trip.origin.chief)
    assert chief.patch(f"trips/{trip.pk}", {"seats_total": 4}).status_code == 409
    trip.refresh_from_db()
    assert (trip.seats_total, trip.seats_available) == (8, 3)
    assert chief.patch(f"trips/{trip.pk}", {"seats_total": 6}).status_code == 200
    trip.refresh_from_db()
    assert (trip.seats_total, trip.seats_available) == (6, 1)


def test_cancel_keeps_the_trip_and_cannot_happen_twice(api, trip):
    chief = api(trip.origin.chief)
    response = chief.post(f"trips/{trip.pk}/cancel", {"reason": "panne"})
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert chief.post(f"trips/{trip.pk}/cancel").status_code == 409
    assert chief.patch(f"trips/{trip.pk}", {"price": 5}).status_code == 409
    assert Trip.objects.filter(pk=trip.pk, status="cancelled").exists()


def test_admin_plans_from_any_station_with_an_origin(api, admin_user, vehicle, other_station):
    payload = plan_payload(vehicle, other_station)
    assert api(admin_user).post("trips", payload).status_code == 422  # origin missing
    payload["origin_id"] = vehicle.station_id
    assert api(admin_user).post("trips", payload).status_code == 201


def test_managed_list_shows_only_the_chiefs_station(api, trip, other_station):
    TripFactory(origin=other_station, destination=trip.origin)
    mine = api(trip.origin.chief).get("trips/managed/list").json()
    assert [t["id"] for t in mine["items"]] == [trip.pk]


def test_public_trip_detail(api, trip):
    body = api().get(f"trips/{trip.pk}").json()
    assert body["id"] == trip.pk and body["seats_available"] == 8
    assert api().get("trips/424242").status_code == 404


def test_departure_is_shown_in_tunis_time(api, trip):
    when = datetime(2031, 7, 1, 6, 30, tzinfo=ZoneInfo("UTC"))
    Trip.objects.filter(pk=trip.pk).update(departure=when)
    assert api().get(f"trips/{trip.pk}").json()["departure"] == "2031-07-01T07:30:00+01:00"
