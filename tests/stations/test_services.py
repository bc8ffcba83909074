"""Station and vehicle rules, tested on the services themselves."""

from decimal import Decimal

import pytest

from louage.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from louage.core.models import AuditEntry
from louage.stations import services
from louage.stations.models import Station, Vehicle
from tests.factories import AdminFactory, ChiefFactory, ClientFactory
from tests.network_factories import StationFactory, TripFactory, VehicleFactory

pytestmark = pytest.mark.django_db


def station_data(**extra):
    return {
        "name": "Kairouan Nord",
        "city": "Kairouan",
        "phone": "77 230 099",
        "address": "Route de Tunis",
        "latitude": Decimal("35.6781"),
        "longitude": Decimal("10.0963"),
        **extra,
    }


def fields(excinfo):
    return [e["field"] for e in excinfo.value.errors]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("123 TU 4567", "123 TU 4567"),
        ("123tu4567", "123 TU 4567"),
        ("  45 Tu 12 ", "45 TU 12"),
        ("123 تونس 4567", "123 TU 4567"),
        ("123تونس4567", "123 TU 4567"),
        ("007 TU 0089", "7 TU 89"),
    ],
)
def test_plates_are_normalised(typed, stored):
    assert services.normalize_plate(typed) == stored


@pytest.mark.parametrize(
    "typed", ["", "TU 4567", "1234 TU 4567", "123 TU 45678", "123 XX 4567", "ABC TU 123", "0 TU 1"]
)
def test_malformed_plates_are_refused(typed):
    with pytest.raises(InvalidInput) as excinfo:
        services.normalize_plate(typed)
    assert fields(excinfo) == ["plate"]


def test_admin_creates_a_station_with_a_normalised_phone_and_an_audit_entry():
    admin = AdminFactory()
    chief = ChiefFactory()
    station = services.create_station(by=admin, chief_id=chief.pk, **station_data())
    assert (station.phone, station.chief_id) == ("+21677230099", chief.pk)
    assert AuditEntry.objects.filter(action="station.created", object_id=str(station.pk)).exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"phone": "12"}, "phone"),
        ({"phone": "+33 1 23 45 67 89"}, "phone"),
        ({"latitude": Decimal("48.85")}, "latitude"),
        ({"longitude": Decimal("2.35")}, "longitude"),
        ({"latitude": "abc"}, "latitude"),
        ({"city": "Paris"}, "city"),
        ({"name": "   "}, "name"),
    ],
)
def test_bad_station_fields_are_refused_and_nothing_is_written(change, field):
    with pytest.raises(InvalidInput) as excinfo:
        services.create_station(by=AdminFactory(), **station_data(**change))
    assert fields(excinfo) == [field]
    assert Station.objects.count() == 0


def test_only_a_free_chief_can_be_assigned(station):
    admin = AdminFactory()
    with pytest.raises(Conflict, match="rôle"):
        services.create_station(by=admin, chief_id=ClientFactory().pk, **station_data())
    with pytest.raises(Conflict, match="déjà"):
        services.create_station(by=admin, chief_id=station.chief_id, **station_data())
    with pytest.raises(NotFound):
        services.create_station(by=admin, chief_id=999_999, **station_data())
    assert Station.objects.count() == 1


def test_a_chief_is_reassigned_from_one_station_to_another(station, other_station):
    admin = AdminFactory()
    chief = station.chief
    services.update_station(station=station, by=admin, chief_id=None)
    services.update_station(station=other_station, by=admin, chief_id=chief.pk)
    other_station.refresh_from_db()
    station.refresh_from_db()
    assert (other_station.chief_id, station.chief_id) == (chief.pk, None)


def test_only_admins_manage_stations(station):
    for user in (ClientFactory(), station.chief):
        with pytest.raises(NotAllowed):
            services.create_station(by=user, **station_data())
        with pytest.raises(NotAllowed):
            services.update_station(station=station, by=user, name="Autre")
        with pytest.raises(NotAllowed):
            services.delete_station(station=station, by=user)
    assert Station.objects.get().name == "Tunis Moncef Bey"


def test_an_unused_station_is_deleted_a_used_one_is_deactivated_instead(station, other_station):
    admin = AdminFactory()
    empty = StationFactory(city="Gafsa")
    services.delete_station(station=empty, by=admin)
    assert not Station.objects.filter(pk=empty.pk).exists()
    TripFactory(origin=station, destination=other_station)
    for used in (station, other_station):  # departures and arrivals both count
        with pytest.raises(Conflict) as excinfo:
            services.delete_station(station=used, by=admin)
        assert excinfo.value.code == "station_in_use"
    services.set_station_active(station=station, active=False, by=admin)
    station.refresh_from_db()
    assert station.is_active is False and Station.objects.count() == 2


def test_chief_adds_a_vehicle_to_its_own_station_only(station, other_station):
    vehicle = services.create_vehicle(
        by=station.chief,
        station=other_station,  # ignored: a chief's vehicles belong to its station
        plate="200tu15",
        owner_name="Ali Ben Salah",
        owner_phone="98 123 456",
    )
    assert (vehicle.station_id, vehicle.plate, vehicle.owner_phone, vehicle.seats) == (
        station.pk,
        "200 TU 15",
        "+21698123456",
        8,
    )


def test_duplicate_plate_in_another_spelling_is_refused(vehicle):
    with pytest.raises(Conflict) as excinfo:
        services.create_vehicle(by=vehicle.station.chief, plate="123tu4567", owner_name="X")
    assert fields(excinfo) == ["plate"]
    assert Vehicle.objects.count() == 1


@pytest.mark.parametrize("seats", [0, 10, "8", True])
def test_vehicle_seats_are_between_one_and_nine(station, seats):
    with pytest.raises(InvalidInput) as excinfo:
        services.create_vehicle(by=station.chief, plate="1 TU 1", owner_name="X", seats=seats)
    assert fields(excinfo) == ["seats"]


def test_admin_names_the_station_of_a_vehicle_clients_cannot_add(station):
    admin = AdminFactory()
    with pytest.raises(InvalidInput):
        services.create_vehicle(by=admin, plate="1 TU 1", owner_name="X")
    assert services.create_vehicle(by=admin, station=station, plate="1 TU 1", owner_name="X")
    with pytest.raises(NotAllowed):
        services.create_vehicle(by=ClientFactory(), station=station, plate="2 TU 2", owner_name="X")
    with pytest.raises(NotAllowed):
        services.create_vehicle(by=ChiefFactory(), plate="3 TU 3", owner_name="X")


def test_another_stations_chief_cannot_touch_a_vehicle(vehicle, other_station):
    with pytest.raises(NotFound):
        services.update_vehicle(vehicle=vehicle, by=other_station.chief, owner_name="X")
    with pytest.raises(NotFound):
        services.remove_vehicle(vehicle=vehicle, by=other_station.chief)
    assert Vehicle.objects.get().owner_name == "Mohamed Ben Ali"


def test_a_vehicle_that_never_served_is_deleted_one_that_served_is_deactivated(trip, station):
    spare = VehicleFactory(station=station)
    assert services.remove_vehicle(vehicle=spare, by=station.chief) == "deleted"
    assert services.remove_vehicle(vehicle=trip.vehicle, by=station.chief) == "deactivated"
    trip.vehicle.refresh_from_db()
    assert trip.vehicle.active is False
    assert AuditEntry.objects.filter(action="vehicle.deactivated").count() == 1
