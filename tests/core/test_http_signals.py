"""The HTTP signals generic clients rely on: Location on 201, 204 on DELETE, ETag and
If-Match (412), RateLimit headers, one pagination shape."""

import pytest

from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def test_a_hold_answers_201_with_the_location_of_the_reservation(api, trip, client_user):
    created = api(client_user).post("reservations", {"trip_id": trip.pk, "seats": 1})
    assert created.status_code == 201
    location = created["Location"]
    assert location.endswith(f"/api/v1/reservations/{created.json()['id']}")
    assert api(client_user).get(location.split("/api/v1/", 1)[1]).json() == created.json()


def test_a_payment_answers_201_with_its_location(api, trip, client_user):
    hold = api(client_user).post("reservations", {"trip_id": trip.pk, "seats": 1}).json()
    started = api(client_user).post(f"reservations/{hold['id']}/payments")
    assert started.status_code == 201
    payment = api(client_user).get(started["Location"].split("/api/v1/", 1)[1])
    assert payment.status_code == 200 and payment.json()["id"] == started.json()["payment_id"]
    assert api(ClientFactory()).get(f"payments/{payment.json()['id']}").status_code == 404


def test_an_admins_new_station_has_its_location(api, admin_user):
    body = {"name": "Gare Nord", "city": "Bizerte", "latitude": 37.27, "longitude": 9.87}
    created = api(admin_user).post("stations", body)
    assert created.status_code == 201
    assert created["Location"].endswith(f"/api/v1/stations/{created.json()['id']}")
