"""Idempotency-Key on every POST that creates something: a retry replays the first answer
(same status, same body), never a second hold, sale, payment or webhook."""

import pytest

from louage.api import api as louage_api
from louage.booking.models import Reservation
from louage.core.models import IdempotentRequest
from louage.payments.models import Payment
from louage.webhooks.models import Endpoint
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

KEY = {"Idempotency-Key": "6f1c1c4e-hold-1"}


def test_a_retried_hold_replays_the_first_answer_and_holds_once(api, trip, client_user):
    first = api(client_user).post("reservations", {"trip_id": trip.pk, "seats": 2}, headers=KEY)
    again = api(client_user).post("reservations", {"trip_id": trip.pk, "seats": 2}, headers=KEY)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert again["Location"] == first["Location"]
    assert Reservation.objects.count() == 1
    trip.refresh_from_db()
    assert trip.seats_available == trip.seats_total - 2


def test_the_same_key_with_another_body_is_refused(api, trip, client_user):
    api(client_user).post("reservations", {"trip_id": trip.pk, "seats": 1}, headers=KEY)
    other = api(client_user).post("reservations", {"trip_id": trip.pk, "seats": 3}, headers=KEY)
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_reused"
    assert Reservation.objects.get().seats == 1


def test_keys_are_per_account_and_per_operation(api, trip, client_user):
    other = ClientFactory()
    mine = api(client_user).post("reservations", {"trip_id": trip.pk, "seats": 1}, headers=KEY)
    theirs = api(other).post("reservations", {"trip_id": trip.pk, "seats": 1}, headers=KEY)
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]
    # The same key on another operation (paying the hold) is another request.
    paid = api(client_user).post(f"reservations/{mine.json()['id']}/payments", headers=KEY)
    assert paid.status_code == 201
    assert Payment.objects.count() == 1


def test_an_error_is_not_kept_so_a_fixed_request_may_reuse_the_key(api, trip, client_user):
    refused = api(client_user).post(
        "reservations", {"trip_id": trip.pk, "seats": 8, "queue_id": 1}, headers=KEY
    )
    assert refused.status_code == 422
    fixed = api(client_user).post("reservations", {"trip_id": trip.pk, "seats": 1}, headers=KEY)
    assert fixed.status_code == 201
    assert IdempotentRequest.objects.get().status == 201


def test_a_malformed_key_is_refused_before_anything_happens(api, trip, client_user):
    bad = api(client_user).post(
        "reservations", {"trip_id": trip.pk, "seats": 1}, headers={"Idempotency-Key": "a b"}
    )
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_idempotency_key"
    assert not Reservation.objects.exists()


def test_a_desk_sale_and_a_walk_in_are_not_sold_twice(api, trip):
    sale = {"trip_id": trip.pk, "seats": 1, "passenger_name": "Fatma Ayadi"}
    chief = api(trip.origin.chief)
    first = chief.post("reservations/desk", sale, headers=KEY)
    again = chief.post("reservations/desk", sale, headers=KEY)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert Reservation.objects.count() == 1


def test_a_webhook_subscription_is_made_once(api, admin_user, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True  # a partner on this machine
    body = {"url": "http://127.0.0.1:9/hook", "events": ["reservation.confirmed"]}
    first = api(admin_user).post("webhooks", body, headers=KEY)
    again = api(admin_user).post("webhooks", body, headers=KEY)
    assert again.status_code == first.status_code == 201
    assert again.json()["secret"] == first.json()["secret"]
    assert Endpoint.objects.count() == 1


def test_the_document_declares_the_header_on_every_creating_post():
    document = louage_api.get_openapi_schema()
    declared = {
        (method.upper(), path)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
        if any(p["name"] == "Idempotency-Key" and p["in"] == "header"
               for p in operation.get("parameters", []))
    }  # fmt: skip
    assert declared == {
        ("POST", "/api/v1/reservations"),
        ("POST", "/api/v1/reservations/desk"),
        ("POST", "/api/v1/reservations/{reservation_id}/confirm"),
        ("POST", "/api/v1/reservations/{reservation_id}/payments"),
        ("POST", "/api/v1/payments/{payment_id}/refund"),
        ("POST", "/api/v1/webhooks"),
        ("POST", "/api/v1/queues/{queue_id}/walk-ins"),
    }
