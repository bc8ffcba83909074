"""Issue 23, finding 4: a departure sent early still took payments.

Attack: a chief sent a scheduled departure 200 minutes early (`POST /trips/{id}/depart`); a
traveller's pending hold stayed pending, a payment started (201) and its callback confirmed
the reservation on a vehicle that had left. Now sending ends the unpaid holds, starting or
confirming a payment needs a bookable departure, and a late callback is refunded.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from louage.booking import services as booking
from louage.booking.models import Reservation
from louage.core.models import AuditEntry
from louage.payments import online
from louage.payments.models import Payment
from louage.payments.providers.sandbox import SIGNATURE_HEADER, callback_body, sign
from louage.trips import services as trips
from louage.trips.models import Trip
from tests.booking.test_concurrency import SERVER_ENV, call, setup_race
from tests.payments.test_concurrency import SIGN, post_raw

APPROVE = "4242424242424242"


@pytest.mark.live
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_departure_sent_early_takes_no_payment_and_refunds_the_late_callback(live_app, backend):
    server = live_app(backend, workers=2, env=SERVER_ENV)
    setup = setup_race(server, clients=2, tag="early")
    (paying, holding), trip_id, chief = setup["tokens"], setup["trips"][0], setup["chief"]
    status, in_flight = call(
        server, "POST", "/api/v1/reservations", paying, {"trip_id": trip_id, "seats": 2}
    )
    assert status == 201
    status, started = call(
        server, "POST", f"/api/v1/reservations/{in_flight['id']}/payments", paying
    )
    assert status == 201  # the traveller is on the gateway's page when the vehicle leaves
    status, held = call(
        server, "POST", "/api/v1/reservations", holding, {"trip_id": trip_id, "seats": 1}
    )
    assert status == 201

    # The departure is three hours ahead: the chief sends it 180 minutes early.
    status, sent = call(server, "POST", f"/api/v1/trips/{trip_id}/depart", chief)
    assert (status, sent["status"]) == (200, "departed")

    # The unpaid holds ended with the departure, and their seats came back.
    assert server.sql(
        "SELECT id, status FROM booking_reservation WHERE trip_id = %s ORDER BY id", (trip_id,)
    ) == [(in_flight["id"], "cancelled"), (held["id"], "cancelled")]
    assert server.sql("SELECT seats_available FROM trips_trip WHERE id = %s", (trip_id,)) == [(8,)]

    # A payment can no longer start on the departed vehicle.
    status, refused = call(server, "POST", f"/api/v1/reservations/{held['id']}/payments", holding)
    assert (status, refused["code"]) == (409, "trip_not_bookable")
    assert server.sql(
        "SELECT COUNT(*) FROM payments_payment WHERE reservation_id = %s", (held["id"],)
    ) == [(0,)]

    # The gateway's callback for the payment in flight arrives late: refunded, not confirmed.
    signed = server.shell_json(SIGN.format(payment_id=started["payment_id"]))
    status = post_raw(server, "/api/v1/payments/webhooks/sandbox", signed["body"],
                      {"X-Louage-Signature": signed["signature"]})  # fmt: skip
    assert status == 200
    assert server.sql(
        "SELECT status, refunded_amount FROM payments_payment WHERE id = %s",
        (started["payment_id"],),
    ) == [("refunded", 24_000)]
    assert server.sql(
        "SELECT status FROM booking_reservation WHERE id = %s", (in_flight["id"],)
    ) == [("cancelled",)]
    assert server.sql(
        "SELECT COUNT(*) FROM core_auditentry WHERE action = 'reservation.confirmed'"
    ) == [(0,)]
    assert server.sql(
        "SELECT COUNT(*) FROM core_auditentry WHERE action = 'payment.refunded_late' AND object_id = %s",
        (str(started["payment_id"]),),
    ) == [(1,)]
    # The same callback again changes nothing.
    post_raw(server, "/api/v1/payments/webhooks/sandbox", signed["body"],
             {"X-Louage-Signature": signed["signature"]})  # fmt: skip
    assert server.sql(
        "SELECT COUNT(*) FROM core_auditentry WHERE action = 'payment.refunded_late'"
    ) == [(1,)]


def _approve(payment):
    body = callback_body(
        reference=payment.provider_reference, card_number=APPROVE, amount=payment.amount
    )
    return online.handle_callback(
        provider_name="sandbox", body=body, headers={SIGNATURE_HEADER: sign(body)}
    )


@pytest.mark.django_db
def test_the_web_depart_button_ends_the_unpaid_holds_too(client, chief_user, trip, client_user):
    hold = booking.reserve_seats(trip=trip, client=client_user, seats=2)
    client.force_login(chief_user)
    response = client.post(f"/gestion/departs/{trip.pk}/parti/")
    assert response.status_code == 302
    hold.refresh_from_db()
    trip.refresh_from_db()
    assert (trip.status, hold.status, trip.seats_available) == (
        "departed",
        "cancelled",
        trip.seats_total,
    )
    entry = AuditEntry.objects.get(action="trip.departed", object_id=str(trip.pk))
    assert entry.data["holds_ended"] == 1
    paying = client_user
    client.force_login(paying)
    client.post(f"/reservations/{hold.pk}/payer/")  # the web pay button: refused, nothing opens
    assert not Payment.objects.filter(reservation=hold).exists()


@pytest.mark.django_db
def test_a_callback_for_a_cancelled_departure_is_refunded(chief_user, trip, client_user):
    hold = booking.reserve_seats(trip=trip, client=client_user, seats=1)
    payment = online.start_online_payment(reservation=hold, by=client_user)
    trips.cancel_trip(trip=trip, by=chief_user)
    payment = _approve(payment)
    hold.refresh_from_db()
    assert (payment.status, payment.refunded_amount, hold.status) == (
        "refunded",
        payment.amount,
        "cancelled",
    )


@pytest.mark.django_db
def test_a_hold_left_pending_on_a_departed_trip_is_never_confirmed(chief_user, trip, client_user):
    # A hold that outlived its departure (sent before this rule existed): paying is refused,
    # and a payment already under way is refunded rather than confirmed.
    hold = booking.reserve_seats(trip=trip, client=client_user, seats=1)
    payment = online.start_online_payment(reservation=hold, by=client_user)
    Trip.objects.filter(pk=trip.pk).update(status="departed", departed_at=timezone.now())
    with pytest.raises(booking.TripNotBookable):
        online.start_online_payment(reservation=hold, by=client_user)
    payment = _approve(payment)
    hold.refresh_from_db()
    assert (payment.status, hold.status) == ("refunded", "pending")
    with pytest.raises(booking.TripNotBookable):
        booking.record_cash_payment(reservation=hold, by=chief_user)
    assert Payment.objects.filter(reservation=hold, status="succeeded").count() == 0


@pytest.mark.django_db
def test_no_payment_starts_after_booking_close(trip, client_user):
    # A departure moved earlier leaves a hold that outlives the new booking close.
    hold = booking.reserve_seats(trip=trip, client=client_user, seats=1)
    Trip.objects.filter(pk=trip.pk).update(departure=timezone.now() + timedelta(minutes=5))
    with pytest.raises(booking.TripNotBookable):
        online.start_online_payment(reservation=hold, by=client_user)
    assert not Payment.objects.filter(reservation=hold).exists()
    assert Reservation.objects.get(pk=hold.pk).status == "pending"
