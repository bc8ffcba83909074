from datetime import timedelta

import pytest
from django.utils import timezone

from louage.stations.models import Station, Vehicle
from louage.trips.models import Trip
from louage.trips.selectors import TUNIS
from tests.factories import ChiefFactory, ClientFactory
from tests.network_factories import StationFactory, VehicleFactory

pytestmark = pytest.mark.django_db


def test_public_station_pages(web, station, trip):
    listing = web.get("/stations/").content.decode()
    assert "Tunis Moncef Bey" in listing and "Sousse Centre" in listing
    detail = web.get(f"/stations/{station.pk}/").content.decode()
    assert "openstreetmap.org/?mlat=36.800000&amp;mlon=10.180000" in detail
    assert f'data-trip="{trip.pk}"' in detail
    assert web.get("/stations/?city=Sousse").context["page"].paginator.count == 1


@pytest.mark.parametrize(
    "path",
    [
        "/stations/ajouter/",
        "/stations/{station}/modifier/",
        "/gestion/vehicules/",
        "/gestion/vehicules/ajouter/",
        "/gestion/departs/",
        "/gestion/departs/programmer/",
    ],
)
def test_management_pages_need_the_right_role(web, station, path):
    url = path.format(station=station.pk)
    assert web.get(url).status_code == 302  # anonymous → login
    web.force_login(ClientFactory())
    assert web.get(url).status_code == 403


def test_admin_creates_edits_and_cannot_delete_a_used_station(web, admin_user, vehicle):
    web.force_login(admin_user)
    chief = ChiefFactory()
    created = web.post(
        "/stations/ajouter/",
        {
            "name": "Gafsa Nord",
            "city": "Gafsa",
            "phone": "76 111 222",
            "address": "",
            "latitude": "34.425",
            "longitude": "8.784",
            "chief_id": chief.pk,
        },
    )
    assert created.status_code == 302
    station = Station.objects.get(name="Gafsa Nord")
    assert station.chief == chief and station.phone == "+21676111222"
    bad = web.post(
        f"/stations/{station.pk}/modifier/",
        {"name": "Gafsa Nord", "city": "Gafsa", "latitude": "48.8", "longitude": "2.3"},
    )
    assert bad.status_code == 200 and bad.context["form"].errors
    used = web.post(f"/stations/{vehicle.station_id}/supprimer/", follow=True)
    assert "ne peut pas être supprimée" in used.content.decode()
    assert Station.objects.filter(pk=vehicle.station_id).exists()
    web.post(f"/stations/{vehicle.station_id}/activation/")
    assert not Station.objects.get(pk=vehicle.station_id).is_active


def test_chief_manages_its_vehicles_only(web, station, vehicle):
    other = VehicleFactory(station=StationFactory(name="Béja", city="Béja"))
    web.force_login(station.chief)
    listing = web.get("/gestion/vehicules/").content.decode()
    assert "123 TU 4567" in listing and other.plate not in listing
    assert web.get(f"/gestion/vehicules/{other.pk}/modifier/").status_code == 404
    assert web.post(f"/gestion/vehicules/{other.pk}/retirer/").status_code == 404
    assert Vehicle.objects.filter(pk=other.pk).exists()
    added = web.post(
        "/gestion/vehicules/ajouter/",
        {"plate": "77 tu 1234", "owner_name": "Ali", "owner_phone": "", "seats": 8, "active": "on"},
    )
    assert added.status_code == 302
    assert Vehicle.objects.get(plate="77 TU 1234").station == station
    bad = web.post("/gestion/vehicules/ajouter/", {"plate": "XYZ", "owner_name": "Ali", "seats": 8})
    assert "Immatriculation invalide" in bad.content.decode()


def test_chief_plans_edits_and_cancels_a_departure_on_the_web(web, station, other_station, vehicle):
    web.force_login(station.chief)
    tomorrow = (timezone.now() + timedelta(days=1)).astimezone(TUNIS).date()
    planned = web.post(
        "/gestion/departs/programmer/",
        {
            "destination_id": other_station.pk,
            "vehicle_id": vehicle.pk,
            "date": tomorrow.isoformat(),
            "time": "08:30",
            "price_dt": "12.500",
        },
    )
    assert planned.status_code == 302, planned.context["form"].errors if planned.context else ""
    trip = Trip.objects.get()
    assert trip.price == 12_500 and trip.departure.astimezone(TUNIS).strftime("%H:%M") == "08:30"
    past = web.post(
        "/gestion/departs/programmer/",
        {
            "destination_id": other_station.pk,
            "vehicle_id": vehicle.pk,
            "date": "2020-01-01",
            "time": "08:30",
            "price_dt": "12",
        },
    )
    assert "dans le futur" in past.content.decode()
    edited = web.post(
        f"/gestion/departs/{trip.pk}/modifier/",
        {
            "destination_id": other_station.pk,
            "vehicle_id": vehicle.pk,
            "date": tomorrow.isoformat(),
            "time": "09:00",
            "price_dt": "13",
            "seats_total": 6,
        },
    )
    assert edited.status_code == 302
    trip.refresh_from_db()
    assert (trip.price, trip.seats_total, trip.seats_available) == (13_000, 6, 6)
    web.post(f"/gestion/departs/{trip.pk}/annuler/")
    trip.refresh_from_db()
    assert trip.status == "cancelled"
    listing = web.get("/gestion/departs/?status=cancelled").content.decode()
    assert f'data-trip="{trip.pk}"' in listing


def test_another_chief_cannot_touch_the_departure(web, trip, other_station):
    web.force_login(other_station.chief)
    assert web.get(f"/gestion/departs/{trip.pk}/modifier/").status_code == 404
    assert web.post(f"/gestion/departs/{trip.pk}/annuler/").status_code == 404
    trip.refresh_from_db()
    assert trip.status == "scheduled"
