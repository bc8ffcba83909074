"""Official fares: the table (anyone reads, admins write) and the cap on every departure's price."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from louage.core.models import AuditEntry
from louage.trips import services
from louage.trips.models import Fare, Trip
from tests.conftest import QUEUE_FARE
from tests.factories import AdminFactory, ClientFactory
from tests.network_factories import FareFactory, StationFactory

pytestmark = pytest.mark.django_db
TUNIS = ZoneInfo("Africa/Tunis")
FARE = QUEUE_FARE  # the `fare` fixture: Tunis → Sousse


def tomorrow_at(hour="08:30"):
    day = (timezone.now() + timedelta(days=1)).astimezone(TUNIS).date()
    return day, hour


def plan_payload(vehicle, destination, price):
    departure = (timezone.now() + timedelta(days=1)).astimezone(TUNIS).replace(microsecond=0)
    return {
        "destination_id": destination.pk,
        "vehicle_id": vehicle.pk,
        "departure": departure.isoformat(),
        "price": price,
    }


def test_a_departure_one_millime_above_the_official_fare_is_refused_by_the_api(
    api, vehicle, other_station, fare
):
    chief = api(vehicle.station.chief)
    response = chief.post("trips", plan_payload(vehicle, other_station, FARE + 1))
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "above_official_fare"
    assert body["errors"][0]["field"] == "price"
    assert "12,750 DT" in body["detail"]
    assert not Trip.objects.exists()
    assert chief.post("trips", plan_payload(vehicle, other_station, FARE)).status_code == 201


def test_editing_a_price_or_a_destination_above_the_fare_is_refused(api, trip, fare, other_station):
    chief = api(trip.origin.chief)
    response = chief.patch(f"trips/{trip.pk}", {"price": FARE + 1})
    assert (response.status_code, response.json()["code"]) == (409, "above_official_fare")
    Trip.objects.filter(pk=trip.pk).update(price=FARE + 500)  # priced before the fare was set
    moved = chief.patch(f"trips/{trip.pk}", {"destination_id": other_station.pk, "seats_total": 8})
    assert moved.status_code == 200  # same destination: nothing changed about the route
    FareFactory(origin_city="Tunis", destination_city="Bizerte", price=5_000)
    bizerte = StationFactory(name="Bizerte Gare", city="Bizerte", chief=None)
    response = chief.patch(f"trips/{trip.pk}", {"destination_id": bizerte.pk})
    assert (response.status_code, response.json()["code"]) == (409, "above_official_fare")
    trip.refresh_from_db()
    assert trip.destination == other_station


def test_a_departure_one_millime_above_the_official_fare_is_refused_on_the_web_form(
    web, vehicle, other_station, fare
):
    web.force_login(vehicle.station.chief)
    day, hour = tomorrow_at()
    form = {"destination_id": other_station.pk, "vehicle_id": vehicle.pk,
            "date": day.isoformat(), "time": hour}  # fmt: skip
    refused = web.post("/gestion/departs/programmer/", {**form, "price_dt": "12.751"})
    assert refused.status_code == 200
    errors = refused.context["form"].errors
    assert "tarif officiel" in errors["price_dt"][0]
    assert "tarif officiel" in refused.content.decode()
    assert not Trip.objects.exists()
    accepted = web.post("/gestion/departs/programmer/", {**form, "price_dt": "12.750"})
    assert accepted.status_code == 302
    assert Trip.objects.get().price == FARE


def test_a_route_without_an_official_fare_is_not_capped(api, vehicle, other_station):
    response = api(vehicle.station.chief).post(
        "trips", plan_payload(vehicle, other_station, 99_000)
    )
    assert response.status_code == 201


def test_anyone_reads_the_fare_table(api, fare):
    FareFactory(origin_city="Sousse", destination_city="Tunis", price=12_700)
    response = api().get("fares")
    assert response.status_code == 200
    assert response.json()["items"] == [
        {"origin_city": "Sousse", "destination_city": "Tunis", "price": 12_700},
        {"origin_city": "Tunis", "destination_city": "Sousse", "price": FARE},
    ]
    assert response.json()["count"] == 2 and response.json()["next"] is None
    assert api().get("fares", {"origin_city": "tunis"}).json()["count"] == 1


def test_an_admin_replaces_the_fare_table(api, fare):
    admin = AdminFactory()
    table = [
        {"origin_city": "Tunis", "destination_city": "Sousse", "price": 13_000},
        {"origin_city": "Sousse", "destination_city": "Tunis", "price": 13_000},
        {"origin_city": "Tunis", "destination_city": "Sfax", "price": 21_500},
    ]
    response = api(admin).put("fares", table)
    assert response.status_code == 200, response.content
    assert sorted(map(tuple, (r.values() for r in response.json()))) == sorted(
        tuple(r.values()) for r in table
    )
    assert Fare.objects.get(origin_city="Tunis", destination_city="Sousse").price == 13_000
    assert AuditEntry.objects.filter(action="fare.set").count() == 3
    assert api(admin).put("fares", table[1:]).status_code == 200
    assert not Fare.objects.filter(origin_city="Tunis", destination_city="Sousse").exists()


@pytest.mark.parametrize(
    "bad_row",
    [
        {"origin_city": "Paris", "destination_city": "Tunis", "price": 1000},
        {"origin_city": "Tunis", "destination_city": "Tunis", "price": 1000},
        {"origin_city": "Tunis", "destination_city": "Sfax", "price": 0},
        {"origin_city": "Tunis", "destination_city": "Sfax", "price": -5},
        {"origin_city": "Tunis", "destination_city": "Sfax", "price": "12.5"},
        {"origin_city": "Tunis", "destination_city": "Sfax", "price": 10**9},
        {"origin_city": "Tunis", "destination_city": "Sousse", "price": 1000},  # twice
        {"origin_city": "Tunis", "destination_city": "Sfax"},
        {"origin_city": "Tunis", "destination_city": "Sfax", "price": 1000, "extra": 1},
    ],
)
def test_one_bad_row_refuses_the_whole_table_and_changes_nothing(api, fare, bad_row):
    table = [{"origin_city": "Tunis", "destination_city": "Sousse", "price": 9_000}, bad_row]
    response = api(AdminFactory()).put("fares", table)
    assert response.status_code == 422, response.content
    assert list(Fare.objects.values_list("origin_city", "destination_city", "price")) == [
        ("Tunis", "Sousse", FARE)
    ]


def test_only_admins_write_fares(api, fare, chief_user):
    table = [{"origin_city": "Tunis", "destination_city": "Sousse", "price": 1}]
    assert api().put("fares", table).status_code == 401
    assert api(ClientFactory()).put("fares", table).status_code == 403
    assert api(chief_user).put("fares", table).status_code == 403
    assert Fare.objects.get().price == FARE


def test_the_fares_page_lists_fares_and_admins_set_one(web, fare, chief_user):
    page = web.get("/tarifs/")
    assert page.status_code == 200 and "12,750 DT" in page.content.decode()
    web.force_login(chief_user)
    assert (
        web.post(
            "/tarifs/", {"origin_city": "Tunis", "destination_city": "Sfax", "price_dt": "1"}
        ).status_code
        == 403
    )
    web.force_login(AdminFactory())
    saved = web.post(
        "/tarifs/", {"origin_city": "Tunis", "destination_city": "Sfax", "price_dt": "21.500"}
    )
    assert saved.status_code == 302
    assert Fare.objects.get(destination_city="Sfax").price == 21_500
    same = web.post(
        "/tarifs/", {"origin_city": "Tunis", "destination_city": "Tunis", "price_dt": "2"}
    )
    assert "différente" in same.content.decode()
    sfax = Fare.objects.get(destination_city="Sfax")
    assert web.post(f"/tarifs/{sfax.pk}/supprimer/").status_code == 302
    assert not Fare.objects.filter(destination_city="Sfax").exists()


def test_the_demo_fares_cover_the_demo_routes_and_cap_their_departures(db):
    from louage.core.demo import seed

    seed()
    assert Fare.objects.count() >= 100
    tunis_sousse = Fare.objects.get(origin_city="Tunis", destination_city="Sousse").price
    assert 10_000 <= tunis_sousse <= 15_000  # ≈ 12 DT, as at the stations
    for trip in Trip.objects.select_related("origin", "destination")[:500]:
        assert trip.price <= services.official_fare(trip.origin.city, trip.destination.city)
