"""A booking needs a phone number on the account (social sign-ups start without one): the API
answers a code the app acts on, the web page sends the traveller to a short form and back."""

import pytest

from louage.booking import services
from louage.booking.errors import PhoneRequired
from louage.booking.models import Reservation
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def traveller(db):
    return ClientFactory(phone="")


def test_the_service_refuses_a_booking_without_phone_and_takes_no_seat(trip, traveller):
    with pytest.raises(PhoneRequired):
        services.reserve_seats(trip=trip, client=traveller, seats=1)
    trip.refresh_from_db()
    assert trip.seats_available == 8
    assert not Reservation.objects.exists()


def test_the_api_answers_phone_required_then_books_once_the_phone_is_set(api, trip, traveller):
    client = api(traveller)
    response = client.post("reservations", {"trip_id": trip.pk, "seats": 2})
    assert response.status_code == 409
    assert response.json()["code"] == "phone_required"
    assert not Reservation.objects.exists()

    assert client.patch("me", {"phone": "98 123 456"}).status_code == 200
    response = client.post("reservations", {"trip_id": trip.pk, "seats": 2})
    assert response.status_code == 201


def test_the_reserve_button_sends_to_the_phone_form_and_back_holding_the_seats(
    web, trip, traveller
):
    web.force_login(traveller)
    response = web.post(f"/departs/{trip.pk}/reserver/", {"seats": 2})
    assert response.status_code == 302
    assert response["Location"] == "/compte/telephone/?next=%2Freservations%2Freprendre%2F"
    assert not Reservation.objects.exists()

    form = web.get(response["Location"])
    assert "Ajoutez votre numéro de téléphone" in form.content.decode()
    response = web.post(
        "/compte/telephone/", {"phone": "29 555 666", "next": "/reservations/reprendre/"}
    )
    assert response["Location"] == "/reservations/reprendre/"
    traveller.refresh_from_db()
    assert traveller.phone == "+21629555666"

    response = web.get(response["Location"])  # back: the two seats chosen are held
    assert response["Location"].startswith("/reservations/")
    reservation = Reservation.objects.get()
    assert (reservation.client, reservation.seats) == (traveller, 2)


@pytest.mark.parametrize("phone", ["", "abc", "+33 6 12 34 56 78", "123"])
def test_the_phone_form_refuses_a_bad_number_and_changes_nothing(web, traveller, phone):
    web.force_login(traveller)
    response = web.post("/compte/telephone/", {"phone": phone, "next": "/departs/"})
    assert response.status_code == 200
    assert 'class="field-error"' in response.content.decode()
    traveller.refresh_from_db()
    assert traveller.phone == ""


def test_the_phone_form_never_sends_to_another_site(web, traveller):
    web.force_login(traveller)
    response = web.post(
        "/compte/telephone/", {"phone": "98 123 456", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/compte/"


def test_the_phone_form_needs_a_login(web):
    response = web.get("/compte/telephone/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
