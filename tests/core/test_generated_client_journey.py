"""A client generated from /api/v1/openapi.json (openapi-python-client) runs a traveller's
whole journey against a live server, as an integrator's app would: sign up, confirm by the
emailed link, token, places, search, a hold retried with its Idempotency-Key, paying on the
sandbox gateway's page from its link alone, the ticket token, a cancellation, a refund, a paid
seat in a queue's next louage cancelled while it loads, and an administrator's webhook
subscription."""

import re
import uuid
from datetime import datetime, timedelta

import httpx
import pytest

from louage.core.times import TUNIS
from tests.support import clients

pytestmark = pytest.mark.live

PASSWORD = "louage-demo-2024"
CARD = {"number": "4242 4242 4242 4242", "expiry": "12/30", "cvc": "123"}


def csrf_form_post(http, url, data):
    """A person's browser: open the page, send its form (with the CSRF token it holds)."""
    page = http.get(url)
    assert page.status_code == 200, page.text[:500]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return http.post(url, data={**data, "csrfmiddlewaretoken": token}, headers={"Referer": url})


def test_a_generated_python_client_runs_the_whole_journey(live_app, smtp_server, tmp_path):
    server = live_app(
        "sqlite", workers=2, seed_demo=True,
        env={"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": smtp_server.port,
             "WEBHOOKS_ALLOW_PRIVATE": "true"},
    )  # fmt: skip
    document = httpx.get(f"{server.url}/api/v1/openapi.json", timeout=30).json()
    clients.generate_python_client(clients.write_document(document, tmp_path), tmp_path)
    louage = clients.import_python_client(tmp_path)
    from louage_client.api.auth import obtain_token, register_account
    from louage_client.api.payments import list_payments, refund_payment, start_payment
    from louage_client.api.places import search_places
    from louage_client.api.queues import list_queues
    from louage_client.api.reservations import (
        cancel_reservation,
        get_reservation,
        reserve_seats,
    )
    from louage_client.api.trips import search_trips
    from louage_client.api.webhooks import create_webhook
    from louage_client.models import EndpointIn, EventType, RegisterIn, ReserveIn, TokenIn

    anonymous = louage.Client(base_url=server.url, raise_on_unexpected_status=True)

    # Sign up, and confirm with the link the mail server received.
    email = f"voyageur.{uuid.uuid4().hex[:8]}@example.tn"
    signed_up = register_account.sync_detailed(
        client=anonymous,
        body=RegisterIn(email=email, password="Sahbi-Louage-2026", first_name="Sami",
                        last_name="Trabelsi", phone="+21698123456"),
    )  # fmt: skip
    assert signed_up.status_code == 202
    message = smtp_server.wait_for(lambda m: email in m["To"])
    link = re.search(r"https?://\S+/accounts/confirm-email/[^/\s]+/", smtp_server.text_of(message))
    path = "/" + link.group(0).split("://", 1)[1].split("/", 1)[1]
    with httpx.Client(base_url=server.url, timeout=30) as browser:
        confirmed = csrf_form_post(browser, path, {})
        assert confirmed.status_code == 302, confirmed.text[:500]

    tokens = obtain_token.sync(
        client=anonymous, body=TokenIn(email=email, password="Sahbi-Louage-2026")
    )
    me = louage.AuthenticatedClient(
        base_url=server.url, token=tokens.access, raise_on_unexpected_status=True
    )

    # Places and search, typed.
    places = search_places.sync(client=anonymous, q="Souss")
    sousse = next(place for place in places.items if place.city == "Sousse")
    # Tomorrow: today's departures may all have left by the time the suite runs.
    tomorrow = (datetime.now(TUNIS) + timedelta(days=1)).date()
    found = search_trips.sync(
        client=anonymous, origin="Tunis", destination=sousse.value, seats=2, date=tomorrow
    )
    assert found.count >= 2 and found.items
    trip, other = found.items[-1], found.items[-2]  # the latest: far from the refund cutoff

    # A hold retried with the same Idempotency-Key is one hold, answered twice alike.
    key = str(uuid.uuid4())
    first = reserve_seats.sync_detailed(
        client=me, body=ReserveIn(trip_id=trip.id, seats=2), idempotency_key=key
    )
    retried = reserve_seats.sync_detailed(
        client=me, body=ReserveIn(trip_id=trip.id, seats=2), idempotency_key=key
    )
    assert (first.status_code, retried.status_code) == (201, 201)
    assert retried.parsed.id == first.parsed.id
    assert retried.headers["Idempotent-Replayed"] == "true"
    hold = first.parsed
    assert hold.status == "pending" and hold.ticket_token is None
    assert hold.total_price == 2 * trip.price

    # Pay on the gateway's page from its link alone (no web session).
    started = start_payment.sync_detailed(
        client=me, reservation_id=hold.id, idempotency_key=str(uuid.uuid4())
    )
    assert started.status_code == 201
    with httpx.Client(timeout=30) as browser:
        paid = csrf_form_post(browser, started.parsed.redirect_url, CARD)
        assert paid.status_code == 302, paid.text[:500]
    ticket = get_reservation.sync(client=me, reservation_id=hold.id)
    assert ticket.status == "confirmed"
    assert ticket.ticket_token.startswith("LT1.")

    # Refund the payment (by the station's rule) and cancel another hold.
    payment = next(p for p in list_payments.sync(client=me).items if p.reservation_id == hold.id)
    refunded = refund_payment.sync(
        client=me, payment_id=payment.id, idempotency_key=str(uuid.uuid4())
    )
    assert refunded.status == "refunded"
    second = reserve_seats.sync(client=me, body=ReserveIn(trip_id=other.id, seats=1))
    cancelled = cancel_reservation.sync(client=me, reservation_id=second.id)
    assert cancelled.status == "cancelled"

    # A seat in the next louage of a depart-when-full queue, paid, then cancelled while the
    # vehicle is still loading: refunded in full (the fixed departures' cutoff does not apply).
    queue = list_queues.sync(client=anonymous, origin="Tunis", destination="Sousse").items[0]
    assert queue.loading_trip is not None and queue.fare
    booked = reserve_seats.sync_detailed(
        client=me, body=ReserveIn(queue_id=queue.id, seats=1), idempotency_key=str(uuid.uuid4())
    )
    assert booked.status_code == 201, booked.content
    seat = booked.parsed
    assert seat.trip.kind == "queue" and seat.total_price == queue.fare
    started = start_payment.sync_detailed(
        client=me, reservation_id=seat.id, idempotency_key=str(uuid.uuid4())
    )
    with httpx.Client(timeout=30) as browser:
        paid = csrf_form_post(browser, started.parsed.redirect_url, CARD)
        assert paid.status_code == 302, paid.text[:500]
    seat = get_reservation.sync(client=me, reservation_id=seat.id)
    assert seat.status == "confirmed" and seat.ticket_token.startswith("LT1.")
    assert seat.estimated_departure is not None
    assert seat.estimated_departure.utcoffset() is not None
    cancelled = cancel_reservation.sync(client=me, reservation_id=seat.id)
    assert cancelled.status == "cancelled"
    queue_payment = next(
        p for p in list_payments.sync(client=me).items if p.reservation_id == seat.id
    )
    assert queue_payment.status == "refunded" and queue_payment.amount == seat.total_price

    # An administrator subscribes a partner to events.
    admin_tokens = obtain_token.sync(
        client=anonymous, body=TokenIn(email="admin@louage.tn", password=PASSWORD)
    )
    admin = louage.AuthenticatedClient(
        base_url=server.url, token=admin_tokens.access, raise_on_unexpected_status=True
    )
    endpoint = create_webhook.sync(
        client=admin,
        body=EndpointIn(url="http://127.0.0.1:9/louage", events=[EventType.RESERVATION_CONFIRMED]),
        idempotency_key=str(uuid.uuid4()),
    )
    assert endpoint.secret and endpoint.events == ["reservation.confirmed"]
    assert "Traceback" not in server.log.read_text()
