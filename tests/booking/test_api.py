import pytest

from louage.booking.models import Reservation
from louage.payments.models import Payment
from tests.factories import AdminFactory, ClientFactory
from tests.network_factories import TripFactory

pytestmark = pytest.mark.django_db

FIELDS = {"id", "code", "trip_id", "trip", "seats", "total_price", "status", "expires_at", "created_at",
          "confirmed_at", "cancelled_at", "passenger_name", "passenger_phone", "estimated_departure",
          "ticket_token"}  # fmt: skip


def test_client_reserves_and_gets_a_pending_hold(api, trip, client_user):
    response = api(client_user).post("reservations", {"trip_id": trip.pk, "seats": 2})
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == FIELDS
    assert (body["status"], body["seats"], body["total_price"]) == ("pending", 2, 24_000)
    assert body["expires_at"].endswith("+01:00")
    assert body["trip"]["seats_available"] == 6


def test_price_and_availability_sent_by_the_client_are_refused(api, trip, client_user):
    for extra in ({"total_price": 1}, {"price": 1}, {"seats_available": 99}):
        response = api(client_user).post("reservations", {"trip_id": trip.pk, "seats": 1, **extra})
        assert response.status_code == 422
    assert not Reservation.objects.exists()


@pytest.mark.parametrize(
    "payload, status",
    [
        ({"trip_id": 999999, "seats": 1}, 404),
        ({"trip_id": "TRIP", "seats": 1}, 422),
        ({"seats": 1}, 422),
        ({"trip_id": "{trip}"}, 422),
        ({"trip_id": "{trip}", "seats": 0}, 422),
        ({"trip_id": "{trip}", "seats": 9}, 422),
        ({"trip_id": "{trip}", "seats": "abc"}, 422),
    ],
)
def test_bad_reservation_requests_change_nothing(api, trip, client_user, payload, status):
    payload = {k: (trip.pk if v == "{trip}" else v) for k, v in payload.items()}
    response = api(client_user).post("reservations", payload)
    assert response.status_code == status, response.content
    assert {"detail", "code"} <= set(response.json())
    assert not Reservation.objects.exists()
    trip.refresh_from_db()
    assert trip.seats_available == 8


def test_malformed_json_is_422(api, trip, client_user):
    response = api(client_user).post("reservations", raw="{trip_id: 1")
    assert response.status_code == 422
    assert not Reservation.objects.exists()


def test_short_seats_get_409_with_a_clear_message(api, trip, client_user):
    api(client_user).post("reservations", {"trip_id": trip.pk, "seats": 7})
    response = api(ClientFactory()).post("reservations", {"trip_id": trip.pk, "seats": 2})
    assert response.status_code == 409
    assert response.json()["code"] == "not_enough_seats"
    assert "Il reste 1 place" in response.json()["detail"]


def test_hoarding_limit_is_409(api, trip, client_user):
    for _ in range(3):
        assert (
            api(client_user).post("reservations", {"trip_id": trip.pk, "seats": 1}).status_code
            == 201
        )
    response = api(client_user).post("reservations", {"trip_id": trip.pk, "seats": 1})
    assert response.status_code == 409 and response.json()["code"] == "too_many_holds"


def test_booking_endpoint_is_rate_limited(api, trip, client_user, settings):
    settings.API_RATE_BOOKING = "2/m"
    codes = [
        api(client_user).post("reservations", {"trip_id": trip.pk, "seats": 1}).status_code
        for _ in range(3)
    ]
    assert codes == [201, 201, 429]


def test_who_sees_which_reservations(api, trip, client_user, other_station):
    mine = api(client_user).post("reservations", {"trip_id": trip.pk, "seats": 1}).json()
    stranger = ClientFactory()
    assert api(stranger).get(f"reservations/{mine['id']}").status_code == 404
    assert api(stranger).get("reservations").json()["count"] == 0
    assert api(client_user).get("reservations").json()["count"] == 1
    assert api(trip.origin.chief).get(f"reservations/{mine['id']}").status_code == 200
    assert api(other_station.chief).get(f"reservations/{mine['id']}").status_code == 404
    assert api(AdminFactory()).get("reservations", {"status": "pending"}).json()["count"] == 1
    assert api().get("reservations").status_code == 401
    assert api(client_user).get("reservations", {"status": "lost"}).status_code == 422


def test_cancel_permissions_and_transitions(api, trip, client_user, other_station):
    mine = api(client_user).post("reservations", {"trip_id": trip.pk, "seats": 2}).json()
    assert api(ClientFactory()).post(f"reservations/{mine['id']}/cancel").status_code == 404
    assert api(other_station.chief).post(f"reservations/{mine['id']}/cancel").status_code == 404
    ok = api(client_user).post(
        f"reservations/{mine['id']}/cancel", {"reason": "changement de programme"}
    )
    assert ok.status_code == 200 and ok.json()["status"] == "cancelled"
    again = api(client_user).post(f"reservations/{mine['id']}/cancel")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    trip.refresh_from_db()
    assert trip.seats_available == 8


def test_chief_confirms_with_cash_through_the_api(api, trip, client_user):
    mine = api(client_user).post("reservations", {"trip_id": trip.pk, "seats": 2}).json()
    assert api(client_user).post(f"reservations/{mine['id']}/confirm").status_code == 403
    response = api(trip.origin.chief).post(f"reservations/{mine['id']}/confirm")
    assert response.status_code == 200 and response.json()["status"] == "confirmed"
    assert api(trip.origin.chief).post(f"reservations/{mine['id']}/confirm").status_code == 409
    assert Payment.objects.count() == 1


def test_the_reservation_carries_its_signed_ticket_once_confirmed(api, trip, client_user):
    from louage.tickets.tokens import read_ticket

    mine = api(client_user).post("reservations", {"trip_id": trip.pk, "seats": 2}).json()
    assert mine["ticket_token"] is None  # a hold is no ticket
    api(trip.origin.chief).post(f"reservations/{mine['id']}/confirm")
    token = api(client_user).get(f"reservations/{mine['id']}").json()["ticket_token"]
    assert token.startswith("LT1.")
    ticket = read_ticket(token)  # what the QR code holds, checked with the public keys
    assert (ticket.code, ticket.trip_id, ticket.seats) == (mine["code"], trip.pk, 2)
    listed = api(client_user).get("reservations").json()["items"]
    assert [item["ticket_token"] for item in listed] == [token]


def test_desk_sale_through_the_api(api, trip, other_station):
    payload = {
        "trip_id": trip.pk,
        "seats": 2,
        "passenger_name": "Fatma Ayadi",
        "passenger_phone": "22 111 333",
    }
    response = api(trip.origin.chief).post("reservations/desk", payload)
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["passenger_name"], body["passenger_phone"]) == (
        "confirmed",
        "Fatma Ayadi",
        "+21622111333",
    )
    assert api(other_station.chief).post("reservations/desk", payload).status_code == 403
    assert api(ClientFactory()).post("reservations/desk", payload).status_code == 403
    bad = api(trip.origin.chief).post("reservations/desk", {**payload, "passenger_phone": "123"})
    assert bad.status_code == 422
    assert Reservation.objects.count() == 1


def test_cancelling_a_trip_through_the_api_cancels_its_reservations(api, trip, client_user):
    mine = api(client_user).post("reservations", {"trip_id": trip.pk, "seats": 2}).json()
    api(trip.origin.chief).post(f"reservations/{mine['id']}/confirm")
    assert api(trip.origin.chief).post(f"trips/{trip.pk}/cancel").status_code == 200
    body = api(client_user).get(f"reservations/{mine['id']}").json()
    assert body["status"] == "cancelled"
    assert Payment.objects.get().status == "refunded"


def test_reservation_list_uses_a_constant_number_of_queries(
    api, client_user, django_assert_max_num_queries
):
    for _ in range(3):
        trip = TripFactory()
        api(client_user).post("reservations", {"trip_id": trip.pk, "seats": 1})
    caller = api(client_user)
    with django_assert_max_num_queries(4):
        assert caller.get("reservations").json()["count"] == 3


def test_the_booking_answer_and_event_are_what_a_read_gives_and_cost_few_queries(
    api, client_user, django_assert_max_num_queries
):
    from datetime import timedelta

    from louage.booking.event_data import reservation_data
    from louage.core import clock
    from louage.core.models import Event
    from louage.trips.models import RouteDuration

    trip = TripFactory()
    RouteDuration.objects.create(
        origin_city=trip.origin.city, destination_city=trip.destination.city, minutes=95
    )
    caller = api(client_user)
    # The usual case, seven statements and the savepoints of the service and of the insert:
    # the caller, the trip locked (with its route's duration), the client's limits and the
    # departure's stale holds in one query, the seats, the insert, the audit entry, the event.
    # Nothing is read back after the insert.
    with django_assert_max_num_queries(11) as captured:
        first = caller.post("reservations", {"trip_id": trip.pk, "seats": 1}).json()
    statements = [q["sql"] for q in captured if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 7, statements
    assert sum('FROM "booking_reservation"' in sql for sql in statements) == 1
    inserted = next(
        i for i, sql in enumerate(statements) if sql.startswith('INSERT INTO "booking_reservation"')
    )
    assert not any(sql.startswith("SELECT") for sql in statements[inserted:])
    # A stale hold of someone else: the booking expires it first and gives its seats back.
    stale = api(ClientFactory()).post("reservations", {"trip_id": trip.pk, "seats": 3}).json()
    Reservation.objects.filter(pk=stale["id"]).update(expires_at=clock.now() - timedelta(seconds=1))
    answer = caller.post("reservations", {"trip_id": trip.pk, "seats": 2}).json()
    assert answer == caller.get(f"reservations/{answer['id']}").json()
    assert answer["trip"]["seats_available"] == trip.seats_total - 3
    assert answer["trip"]["duration_minutes"] == 95 and not answer["trip"]["duration_estimated"]
    for reservation_id in (first["id"], answer["id"]):
        event = Event.objects.get(
            type="reservation.created", subject=f"reservation:{reservation_id}"
        )
        assert event.data == reservation_data(Reservation.objects.get(pk=reservation_id))


def test_booking_an_unknown_departure_is_404_and_writes_nothing(api, client_user):
    response = api(client_user).post("reservations", {"trip_id": 10**6, "seats": 1})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not Reservation.objects.exists()
