"""A paid next-louage seat: cancellable and refunded until its vehicle is full or sent, the
same rule on the pages and the API; one estimated departure, never a deadline in the past."""

from datetime import datetime, timedelta

import pytest

from louage.booking import selectors as booking_selectors
from louage.booking import services as booking
from louage.booking.models import ReservationStatus
from louage.payments.models import Payment, PaymentStatus
from louage.payments.providers.sandbox import SIGNATURE_HEADER, callback_body, sign
from louage.queues import selectors, services
from louage.queues.models import QueuedVehicle, TurnStatus
from tests.factories import ClientFactory
from tests.queues.conftest import FARE

pytestmark = pytest.mark.django_db
S = ReservationStatus
APPROVE = "4242424242424242"


def pay_online(api, reservation):
    """The sandbox gateway approves the card: the reservation is confirmed and paid."""
    started = api(reservation.client).post(f"reservations/{reservation.pk}/payments")
    assert started.status_code == 201, started.content
    payment = Payment.objects.get(pk=started.json()["payment_id"])
    body = callback_body(
        reference=payment.provider_reference, card_number=APPROVE, amount=payment.amount
    )
    answer = api().post(
        "payments/webhooks/sandbox", raw=body.decode(), headers={SIGNATURE_HEADER: sign(body)}
    )
    assert answer.status_code == 200, answer.content
    payment.refresh_from_db()
    reservation.refresh_from_db()
    assert (payment.status, reservation.status) == (PaymentStatus.SUCCEEDED, S.CONFIRMED)
    return payment


def with_history(lined_up, chief_user, clock):
    """One vehicle filled its 8 seats in 16 minutes: the station sells 0.5 seat a minute."""
    clock.advance(minutes=16)
    services.count_walk_in(queue=lined_up, seats=8, by=chief_user)
    services.send_loading(queue=lined_up, by=chief_user)


def test_a_paid_queue_seat_is_cancelled_over_the_api_and_refunded_in_full(api, lined_up, clock):
    client = ClientFactory()
    reservation = services.reserve_next_louage(queue=lined_up, client=client, seats=2)
    payment = pay_online(api, reservation)
    # Long after the vehicle started loading (its `departure`), it is still at the station.
    clock.advance(hours=3)
    response = api(client).post(f"reservations/{reservation.pk}/cancel")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
    assert payment.refunded_amount == 2 * FARE
    reservation.trip.refresh_from_db()
    assert reservation.trip.seats_available == 8


def test_once_the_vehicle_is_marked_full_the_client_cannot_cancel_online(
    api, lined_up, chief_user, clock
):
    client = ClientFactory()
    reservation = services.reserve_next_louage(queue=lined_up, client=client, seats=1)
    payment = pay_online(api, reservation)
    services.mark_full(queue=lined_up, by=chief_user)
    response = api(client).post(f"reservations/{reservation.pk}/cancel")
    assert response.status_code == 409
    assert response.json()["code"] == "refund_cutoff"
    assert "complet" in response.json()["detail"]
    refund = api(client).post(f"payments/{payment.pk}/refund")
    assert refund.status_code == 409 and refund.json()["code"] == "refund_cutoff"
    payment.refresh_from_db()
    reservation.refresh_from_db()
    assert (payment.status, reservation.status) == (PaymentStatus.SUCCEEDED, S.CONFIRMED)
    # The station's chief still can, at the desk, refunding in full.
    booking.cancel_reservation(reservation=reservation, by=chief_user)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED


def test_a_sent_vehicles_paid_seat_is_not_cancellable_by_its_client(
    api, lined_up, chief_user, clock
):
    reservation = services.reserve_next_louage(queue=lined_up, client=ClientFactory(), seats=1)
    pay_online(api, reservation)
    booking.board_reservation(reservation=reservation, by=chief_user)
    services.send_loading(queue=lined_up, by=chief_user)
    response = api(reservation.client).post(f"reservations/{reservation.pk}/cancel")
    assert response.status_code == 409
    reservation.refresh_from_db()
    assert reservation.status == S.BOARDED
    assert Payment.objects.get(reservation=reservation).status == PaymentStatus.SUCCEEDED
    assert not booking_selectors.online_cancel_open(reservation.trip, clock.now)


def test_a_paid_queue_seat_is_cancelled_on_the_web_page_saying_the_refund(
    api, web, lined_up, clock
):
    client = ClientFactory()
    reservation = services.reserve_next_louage(queue=lined_up, client=client, seats=1)
    pay_online(api, reservation)
    clock.advance(hours=2)
    web.force_login(client)
    page = web.get(f"/reservations/{reservation.pk}/").content.decode()
    assert 'data-testid="cancel"' in page
    assert "ce que le louage soit complet" in page
    response = web.post(f"/reservations/{reservation.pk}/annuler/", follow=True)
    assert "vous sont remboursés sur votre moyen de paiement" in response.content.decode()
    reservation.refresh_from_db()
    assert reservation.status == S.CANCELLED
    assert Payment.objects.get(reservation=reservation).status == PaymentStatus.REFUNDED


def test_the_page_of_a_full_vehicles_paid_seat_offers_no_online_cancel(
    api, web, lined_up, chief_user
):
    reservation = services.reserve_next_louage(queue=lined_up, client=ClientFactory(), seats=1)
    pay_online(api, reservation)
    services.mark_full(queue=lined_up, by=chief_user)
    web.force_login(reservation.client)
    page = web.get(f"/reservations/{reservation.pk}/").content.decode()
    assert 'data-testid="cancel"' not in page
    assert "le louage est complet ou parti" in page
    web.post(f"/reservations/{reservation.pk}/annuler/")
    reservation.refresh_from_db()
    assert reservation.status == S.CONFIRMED


def test_the_refund_terms_are_shown_before_booking_the_next_louage(web, lined_up):
    web.force_login(ClientFactory())
    page = web.get(f"/prochain-louage/{lined_up.pk}/").content.decode()
    assert 'data-testid="refund-terms"' in page
    assert "ce que votre louage soit déclaré complet ou parte" in page


def test_a_timed_departure_close_to_leaving_shows_no_past_deadline(web, trip, clock):
    clock.now = trip.departure - timedelta(minutes=30)  # the 60-minute cutoff has passed
    web.force_login(ClientFactory())
    page = web.get(f"/departs/{trip.pk}/").content.decode()
    assert "Non remboursable en ligne : le départ est dans moins de 60 minutes" in page
    assert "Annulation gratuite" not in page


def test_one_estimate_on_the_queue_trip_reservation_pages_and_the_api(
    api, web, lined_up, chief_user, clock
):
    with_history(lined_up, chief_user, clock)
    client = ClientFactory()
    reservation = services.reserve_next_louage(queue=lined_up, client=client, seats=3)
    view = selectors.queue_view(lined_up.pk)
    expected = clock.now + timedelta(minutes=10)  # 5 free seats at 0.5 seat a minute
    assert view.next_estimated_departure == expected
    label = "vers " + (expected + timedelta(hours=1)).strftime("%H:%M") + " (dans ~10 min)"
    web.force_login(client)
    pages = [
        f"/prochain-louage/{lined_up.pk}/",
        f"/departs/{reservation.trip_id}/",
        f"/reservations/{reservation.pk}/",
        "/reservations/",
        "/departs/?origin=Tunis&destination=Sousse",
    ]
    for path in pages:
        html = web.get(path).content.decode()
        assert label in html, path
    mine = web.get("/reservations/").content.decode()
    assert "En chargement" in mine and "Programmé" not in mine
    body = api(client).get(f"reservations/{reservation.pk}").json()
    given = datetime.fromisoformat(body["estimated_departure"])
    assert abs(given - expected) < timedelta(seconds=1)
    listed = api(client).get("reservations").json()["items"][0]
    assert listed["estimated_departure"] == body["estimated_departure"]


def test_a_timed_reservation_has_no_estimated_departure(api, trip, client_user):
    reservation = booking.reserve_seats(trip=trip, client=client_user, seats=1)
    body = api(client_user).get(f"reservations/{reservation.pk}").json()
    assert "estimated_departure" in body and body["estimated_departure"] is None


def test_the_chiefs_departure_list_says_a_queue_vehicle_is_loading(web, lined_up, chief_user):
    loading = QueuedVehicle.objects.get(queue=lined_up, status=TurnStatus.LOADING).trip
    web.force_login(chief_user)
    html = web.get("/gestion/departs/").content.decode()
    row = html.split(f'data-trip="{loading.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "En chargement" in row and "Programmé" not in row
