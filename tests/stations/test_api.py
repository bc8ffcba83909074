import pytest

from louage.core.models import AuditEntry
from louage.stations.models import Station, Vehicle
from tests.factories import ChiefFactory, ClientFactory
from tests.network_factories import StationFactory, TripFactory, VehicleFactory

pytestmark = pytest.mark.django_db

NEW_STATION = {
    "name": "Sfax Bab Jebli",
    "city": "Sfax",
    "phone": "74 123 456",
    "address": "Route de Tunis",
    "latitude": 34.7406,
    "longitude": 10.7603,
}


# --- stations ---------------------------------------------------------------------------------


def test_anyone_lists_and_reads_stations_with_chief_names(api, station, other_station):
    body = api().get("stations").json()
    assert body["count"] == 2
    tunis = next(s for s in body["items"] if s["id"] == station.pk)
    assert set(tunis) >= {
        "id",
        "name",
        "city",
        "phone",
        "address",
        "latitude",
        "longitude",
        "chief_id",
        "chief_name",
    }
    assert tunis["chief_name"] == station.chief.get_full_name()
    assert api().get(f"stations/{station.pk}").json()["name"] == "Tunis Moncef Bey"
    assert api().get("stations/99999").status_code == 404


def test_station_list_searches_and_filters_by_city(api, station, other_station):
    assert [s["name"] for s in api().get("stations", {"city": "sousse"}).json()["items"]] == [
        "Sousse Centre"
    ]
    assert api().get("stations", {"q": "moncef"}).json()["count"] == 1


def test_admin_creates_a_station_with_a_chief(api, admin_user):
    chief = ChiefFactory()
    response = api(admin_user).post("stations", {**NEW_STATION, "chief_id": chief.pk})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["phone"] == "+21674123456"
    assert body["chief_id"] == chief.pk
    assert AuditEntry.objects.filter(action="station.created").count() == 1


@pytest.mark.parametrize(
    "change, field",
    [
        ({"latitude": "48.85"}, "latitude"),
        ({"longitude": "2.35"}, "longitude"),
        ({"latitude": "abc"}, "latitude"),
        ({"city": "Paris"}, "city"),
        ({"phone": "0123"}, "phone"),
        ({"name": ""}, "name"),
    ],
)
def test_station_with_bad_fields_is_refused_and_nothing_written(api, admin_user, change, field):
    response = api(admin_user).post("stations", {**NEW_STATION, **change})
    assert response.status_code == 422
    assert field in {e["field"] for e in response.json()["errors"]}, response.json()
    assert not Station.objects.exists()


def test_station_chief_must_be_a_free_chief(api, admin_user, station):
    client = ClientFactory()
    response = api(admin_user).post("stations", {**NEW_STATION, "chief_id": client.pk})
    assert response.status_code == 409
    taken = api(admin_user).post("stations", {**NEW_STATION, "chief_id": station.chief_id})
    assert taken.status_code == 409
    assert Station.objects.count() == 1


def test_admin_reassigns_a_chief(api, admin_user, station):
    new_chief = ChiefFactory()
    response = api(admin_user).patch(f"stations/{station.pk}", {"chief_id": new_chief.pk})
    assert response.status_code == 200
    assert response.json()["chief_id"] == new_chief.pk


def test_station_with_vehicles_is_not_deleted(api, admin_user, vehicle):
    response = api(admin_user).delete(f"stations/{vehicle.station_id}")
    assert response.status_code == 409
    assert "Désactivez" in response.json()["detail"]
    assert Station.objects.filter(pk=vehicle.station_id).exists()
    empty = StationFactory(chief=None)
    assert api(admin_user).delete(f"stations/{empty.pk}").status_code == 204


@pytest.mark.parametrize("role", ["anonymous", "client", "chief"])
def test_only_admins_write_stations(api, station, role):
    caller = {"anonymous": api(), "client": api(ClientFactory()), "chief": api(station.chief)}[role]
    expected = 401 if role == "anonymous" else 403
    assert caller.post("stations", NEW_STATION).status_code == expected
    assert caller.patch(f"stations/{station.pk}", {"name": "X"}).status_code == expected
    assert caller.delete(f"stations/{station.pk}").status_code == expected
    station.refresh_from_db()
    assert station.name == "Tunis Moncef Bey"
    assert Station.objects.count() == 1


def test_deleting_a_chief_who_runs_a_station_is_refused(api, admin_user, station):
    response = api(admin_user).delete(f"users/{station.chief_id}")
    assert response.status_code == 409
    assert "station" in response.json()["detail"]


# --- vehicles ---------------------------------------------------------------------------------


def test_chief_adds_a_vehicle_to_its_station_with_a_normalised_plate(api, station):
    response = api(station.chief).post(
        "vehicles", {"plate": "45tu 678", "owner_name": "Hatem", "owner_phone": "98111222"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["plate"] == "45 TU 678"
    assert body["station_id"] == station.pk
    assert body["seats"] == 8


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"plate": "AB-123-CD"}, "plate"),
        ({"plate": "1234 TU 5"}, "plate"),
        ({"seats": 0}, "seats"),
        ({"seats": 10}, "seats"),
        ({"owner_phone": "12"}, "owner_phone"),
        ({"owner_name": ""}, "owner_name"),
    ],
)
def test_bad_vehicle_fields_are_refused(api, station, payload, field):
    data = {"plate": "12 TU 345", "owner_name": "Hatem", **payload}
    response = api(station.chief).post("vehicles", data)
    assert response.status_code == 422
    assert field in {e["field"] for e in response.json()["errors"]}
    assert not Vehicle.objects.exists()


def test_duplicate_plate_is_refused(api, vehicle):
    response = api(vehicle.station.chief).post(
        "vehicles", {"plate": "123tu4567", "owner_name": "X"}
    )
    assert (response.status_code, response.json()["code"]) == (409, "plate_taken")
    assert Vehicle.objects.count() == 1


def test_a_chief_never_sees_or_touches_another_stations_vehicles(api, vehicle):
    other_chief = StationFactory(name="Sfax", city="Sfax").chief
    caller = api(other_chief)
    assert caller.get("vehicles").json()["count"] == 0
    assert caller.get(f"vehicles/{vehicle.pk}").status_code == 404
    assert caller.patch(f"vehicles/{vehicle.pk}", {"seats": 4}).status_code == 404
    assert caller.delete(f"vehicles/{vehicle.pk}").status_code == 404
    vehicle.refresh_from_db()
    assert vehicle.seats == 8


def test_clients_and_anonymous_get_no_vehicles(api, vehicle):
    assert api().get("vehicles").status_code == 401
    assert api(ClientFactory()).get("vehicles").status_code == 403
    assert (
        api(ClientFactory()).post("vehicles", {"plate": "1 TU 1", "owner_name": "x"}).status_code
        == 403
    )


def test_admin_manages_any_stations_vehicles(api, admin_user, station):
    response = api(admin_user).post(
        "vehicles", {"plate": "9 TU 9", "owner_name": "X", "station_id": station.pk}
    )
    assert response.status_code == 201
    assert (
        api(admin_user).post("vehicles", {"plate": "8 TU 8", "owner_name": "X"}).status_code == 422
    )


def test_a_vehicle_that_served_is_deactivated_not_deleted(api, trip):
    chief = trip.origin.chief
    response = api(chief).delete(f"vehicles/{trip.vehicle_id}")
    assert response.status_code == 204
    assert api(chief).get(f"vehicles/{trip.vehicle_id}").json()["active"] is False
    assert Vehicle.objects.get(pk=trip.vehicle_id).active is False
    unused = VehicleFactory(station=trip.origin)
    assert api(chief).delete(f"vehicles/{unused.pk}").status_code == 204
    assert not Vehicle.objects.filter(pk=unused.pk).exists()


def test_vehicle_seats_cannot_drop_below_a_scheduled_departure(api, trip):
    response = api(trip.origin.chief).patch(f"vehicles/{trip.vehicle_id}", {"seats": 4})
    assert response.status_code == 409
    assert TripFactory._meta.model.objects.get(pk=trip.pk).seats_total == 8
