"""Finding 6: an idempotency key belongs to one request.

Attack: reusing an `Idempotency-Key` on POST /api/v1/reservations/{id}/payments for another
reservation answered 201 with the first reservation's payment: the client paid the wrong one.
"""

import pytest

from louage.booking import services
from louage.payments.models import Payment
from tests.network_factories import TripFactory, VehicleFactory

pytestmark = pytest.mark.django_db


def start(api, user, reservation, key):
    return api(user).post(
        f"reservations/{reservation.pk}/payments", headers={"Idempotency-Key": key}
    )


def test_a_key_reused_for_another_reservation_is_refused(api, client_user, trip):
    vehicle = VehicleFactory(station=trip.origin, plate="321 TU 654")
    later = TripFactory(origin=trip.origin, destination=trip.destination, vehicle=vehicle)
    first = services.reserve_seats(trip=trip, client=client_user, seats=1)
    second = services.reserve_seats(trip=later, client=client_user, seats=2)

    opened = start(api, client_user, first, "key-1")
    assert opened.status_code == 201
    reused = start(api, client_user, second, "key-1")
    assert reused.status_code == 409
    assert reused.json()["code"] == "idempotency_key_reused"
    assert not Payment.objects.filter(reservation=second).exists()
    # The same request again is answered with the same payment, as before.
    again = start(api, client_user, first, "key-1")
    assert again.json()["payment_id"] == opened.json()["payment_id"]
    assert Payment.objects.count() == 1
    # A fresh key pays the second reservation for its own amount.
    fresh = start(api, client_user, second, "key-2")
    assert fresh.status_code == 201
    assert Payment.objects.get(pk=fresh.json()["payment_id"]).amount == second.total_price


def test_keys_of_different_clients_never_meet(api, client_user, trip):
    from tests.factories import ClientFactory

    other = ClientFactory()
    mine = services.reserve_seats(trip=trip, client=client_user, seats=1)
    theirs = services.reserve_seats(trip=trip, client=other, seats=1)
    assert start(api, client_user, mine, "same").status_code == 201
    assert start(api, other, theirs, "same").status_code == 201
    assert Payment.objects.count() == 2


def test_an_overlong_key_is_refused_not_truncated(api, client_user, trip):
    reservation = services.reserve_seats(trip=trip, client=client_user, seats=1)
    response = start(api, client_user, reservation, "k" * 65)
    assert response.status_code == 422
    assert not Payment.objects.exists()
