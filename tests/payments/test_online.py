import json
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from louage.booking import services
from louage.booking.models import Reservation
from louage.payments.models import Payment
from louage.payments.providers.sandbox import SIGNATURE_HEADER, callback_body, sign
from louage.trips.models import Trip
from tests.factories import AdminFactory, ClientFactory
from tests.payments.fake_konnect import FakeKonnect

pytestmark = pytest.mark.django_db
APPROVE, DECLINE = "4242424242424242", "4000000000000002"


@pytest.fixture
def hold(trip, client_user):
    return services.reserve_seats(trip=trip, client=client_user, seats=2)


def local_path(url):
    return urlsplit(url).path


def start(api, user, reservation, **headers):
    return api(user).post(f"reservations/{reservation.pk}/payments", headers=headers or None)


def webhook(api, body, signature=None):
    headers = {SIGNATURE_HEADER: signature if signature is not None else sign(body)}
    return api().post("payments/webhooks/sandbox", raw=body.decode(), headers=headers)


def started_payment(api, client_user, hold):
    response = start(api, client_user, hold)
    assert response.status_code == 201, response.content
    return Payment.objects.get(pk=response.json()["payment_id"]), response.json()["redirect_url"]


def test_start_returns_a_hosted_page_and_the_approving_card_confirms(api, web, client_user, hold):
    payment, redirect_url = started_payment(api, client_user, hold)
    assert payment.status == "pending" and payment.amount == 24_000
    path = redirect_url.split("://", 1)[1].split("/", 1)[1]
    web.force_login(client_user)
    assert web.get("/" + path).status_code == 200
    response = web.post(
        "/" + path, {"number": "4242 4242 4242 4242", "expiry": "12/30", "cvc": "123"}
    )
    assert response.status_code == 302 and response["Location"] == f"/reservations/{hold.pk}/"
    payment.refresh_from_db()
    hold.refresh_from_db()
    assert (payment.status, payment.card_last4, hold.status) == ("succeeded", "4242", "confirmed")
    assert "4242424242424242" not in json.dumps(list(Payment.objects.values()), default=str)


def test_declining_card_leaves_the_reservation_pending(api, web, client_user, hold):
    payment, redirect_url = started_payment(api, client_user, hold)
    web.force_login(client_user)
    web.post(
        local_path(redirect_url),
        {"number": "4000 0000 0000 0002", "expiry": "12/30", "cvc": "123"},
    )
    payment.refresh_from_db()
    hold.refresh_from_db()
    assert (payment.status, hold.status) == ("failed", "pending")


def test_card_form_rejects_nonsense(web, api, client_user, hold):
    _payment, redirect_url = started_payment(api, client_user, hold)
    web.force_login(client_user)
    page = web.post(
        local_path(redirect_url),
        {"number": "1234", "expiry": "13/99", "cvc": "x"},
    )
    assert page.status_code == 200 and page.context["form"].errors
    hold.refresh_from_db()
    assert hold.status == "pending"


def test_webhook_is_idempotent_and_refuses_forgeries(api, client_user, hold):
    payment, _url = started_payment(api, client_user, hold)
    body = callback_body(
        reference=payment.provider_reference, card_number=APPROVE, amount=payment.amount
    )
    assert webhook(api, body, signature="0" * 64).status_code == 400
    payment.refresh_from_db()
    assert payment.status == "pending"
    first = webhook(api, body)
    second = webhook(api, body)
    assert first.status_code == second.status_code == 200
    assert Payment.objects.filter(status="succeeded").count() == 1
    # An out-of-order "declined" after success changes nothing.
    declined = callback_body(
        reference=payment.provider_reference, card_number=DECLINE, amount=payment.amount
    )
    assert webhook(api, declined).status_code == 200
    payment.refresh_from_db()
    assert payment.status == "succeeded"


def test_webhook_with_wrong_amount_or_unknown_reference_changes_nothing(api, client_user, hold):
    payment, _url = started_payment(api, client_user, hold)
    wrong = callback_body(reference=payment.provider_reference, card_number=APPROVE, amount=1)
    assert webhook(api, wrong).status_code == 409
    unknown = callback_body(reference="sbx_nope", card_number=APPROVE, amount=payment.amount)
    assert webhook(api, unknown).status_code == 404
    assert webhook(api, b"not json").status_code == 400
    payment.refresh_from_db()
    hold.refresh_from_db()
    assert (payment.status, hold.status) == ("pending", "pending")


def test_a_payment_after_the_hold_expired_and_seats_went_back_is_refunded(
    api, client_user, hold, monkeypatch
):
    payment, _url = started_payment(api, client_user, hold)
    services.expire_stale_holds()  # nothing yet
    Reservation.objects.filter(pk=hold.pk).update(expires_at=hold.expires_at - timedelta(hours=1))
    services.expire_stale_holds()
    body = callback_body(
        reference=payment.provider_reference, card_number=APPROVE, amount=payment.amount
    )
    assert webhook(api, body).json()["status"] == "refunded"
    payment.refresh_from_db()
    assert payment.refunded_amount == payment.amount
    hold.refresh_from_db()
    assert hold.status == "expired"


def test_a_payment_landing_after_the_hold_ran_out_is_refunded_even_before_any_sweep(
    api, client_user, hold
):
    payment, _url = started_payment(api, client_user, hold)
    Reservation.objects.filter(pk=hold.pk).update(expires_at=hold.expires_at - timedelta(hours=1))
    body = callback_body(
        reference=payment.provider_reference, card_number=APPROVE, amount=payment.amount
    )
    assert webhook(api, body).json()["status"] == "refunded"
    hold.refresh_from_db()
    assert hold.status == "expired"
    hold.trip.refresh_from_db()
    assert hold.trip.seats_available == hold.trip.seats_total


def test_start_is_for_the_owner_of_a_live_hold(api, client_user, hold, trip):
    assert start(api, ClientFactory(), hold).status_code == 404
    assert start(api, trip.origin.chief, hold).status_code == 403
    services.cancel_reservation(reservation=hold, by=client_user)
    assert start(api, client_user, hold).status_code == 409


def test_idempotency_key_returns_the_same_payment(api, client_user, hold):
    first = start(api, client_user, hold, **{"Idempotency-Key": "abc"}).json()
    second = start(api, client_user, hold, **{"Idempotency-Key": "abc"}).json()
    assert first["payment_id"] == second["payment_id"]
    assert Payment.objects.count() == 1


def paid(api, client_user, hold):
    payment, _url = started_payment(api, client_user, hold)
    webhook(
        api,
        callback_body(
            reference=payment.provider_reference, card_number=APPROVE, amount=payment.amount
        ),
    )
    payment.refresh_from_db()
    return payment


def test_refund_policy_and_once_only(api, client_user, hold, trip, other_station):
    payment = paid(api, client_user, hold)
    assert api(ClientFactory()).post(f"payments/{payment.pk}/refund").status_code == 404
    assert api(other_station.chief).post(f"payments/{payment.pk}/refund").status_code == 404
    Trip.objects.filter(pk=trip.pk).update(
        departure=trip.departure - timedelta(hours=2, minutes=30)
    )
    late = api(client_user).post(f"payments/{payment.pk}/refund")
    assert late.status_code == 409 and late.json()["code"] == "refund_cutoff"
    ok = api(trip.origin.chief).post(f"payments/{payment.pk}/refund")
    assert ok.status_code == 200 and ok.json()["status"] == "refunded"
    assert api(AdminFactory()).post(f"payments/{payment.pk}/refund").status_code == 409
    payment.refresh_from_db()
    hold.refresh_from_db()
    trip.refresh_from_db()
    assert (
        payment.refunded_amount == payment.amount
        and hold.status == "cancelled"
        and trip.seats_available == 8
    )


@pytest.fixture
def konnect(settings):
    fake = FakeKonnect().start()
    settings.PAYMENT_PROVIDER = "konnect"
    settings.KONNECT_API_KEY = fake.api_key
    settings.KONNECT_WALLET_ID = "wallet-123"
    settings.KONNECT_BASE_URL = fake.base_url
    yield fake
    fake.stop()


def test_konnect_success_is_verified_with_konnect_before_confirming(
    api, client_user, hold, konnect
):
    response = start(api, client_user, hold)
    assert response.status_code == 201
    assert response.json()["redirect_url"].startswith(
        "https://gateway.sandbox.konnect.network/pay?payment_ref="
    )
    method, path, body, key = konnect.requests[0]
    assert (method, path, key) == ("POST", "/api/v2/payments/init-payment", "test-key")
    assert (
        body["amount"] == 24_000
        and body["receiverWalletId"] == "wallet-123"
        and body["token"] == "TND"
    )
    ref = Payment.objects.get().provider_reference
    # The webhook alone proves nothing: Konnect still says "pending".
    assert (
        api().get(f"/api/v1/payments/webhooks/konnect?payment_ref={ref}").json()["status"]
        == "pending"
    )
    konnect.complete(ref)
    assert (
        api().get(f"/api/v1/payments/webhooks/konnect?payment_ref={ref}").json()["status"]
        == "succeeded"
    )
    # Replayed webhook: nothing more happens.
    assert (
        api().get(f"/api/v1/payments/webhooks/konnect?payment_ref={ref}").json()["status"]
        == "succeeded"
    )
    hold.refresh_from_db()
    assert hold.status == "confirmed" and Payment.objects.filter(status="succeeded").count() == 1


def test_konnect_failure_mismatch_and_unknown_reference(api, client_user, hold, konnect):
    start(api, client_user, hold)
    ref = Payment.objects.get().provider_reference
    konnect.complete(ref, amount=1000)
    assert api().get(f"/api/v1/payments/webhooks/konnect?payment_ref={ref}").status_code == 409
    konnect.complete(ref, amount=24_000, status="failed")
    assert (
        api().get(f"/api/v1/payments/webhooks/konnect?payment_ref={ref}").json()["status"]
        == "failed"
    )
    assert api().get("/api/v1/payments/webhooks/konnect?payment_ref=unknown").status_code == 400
    assert api().get("/api/v1/payments/webhooks/konnect").status_code == 400
    hold.refresh_from_db()
    assert hold.status == "pending"


def test_konnect_down_means_pay_at_the_desk(api, client_user, hold, settings):
    settings.PAYMENT_PROVIDER = "konnect"
    settings.KONNECT_API_KEY, settings.KONNECT_WALLET_ID = "k", "w"
    settings.KONNECT_BASE_URL = "http://127.0.0.1:9/api/v2"
    response = start(api, client_user, hold)
    assert response.status_code == 503 and response.json()["code"] == "provider_unavailable"
    assert not Payment.objects.exists()


# --- The hosted page works from its link alone (a phone app has no web session) -----------


CARD = {"number": "4242 4242 4242 4242", "expiry": "12/30", "cvc": "123"}


def test_the_payment_link_alone_pays_without_a_web_session(api, client, client_user, hold):
    payment, redirect_url = started_payment(api, client_user, hold)
    page = client.get(local_path(redirect_url))  # no login: the link is the capability
    assert page.status_code == 200 and b'data-testid="pay"' in page.content
    assert hold.code.encode() not in page.content  # the page shows no more than a gateway's
    paid = client.post(local_path(redirect_url), CARD)
    assert paid.status_code == 302 and paid["Location"] == local_path(redirect_url)
    payment.refresh_from_db()
    hold.refresh_from_db()
    assert (payment.status, hold.status) == ("succeeded", "confirmed")
    # Single use: the page now only says it is done, and a second card changes nothing.
    again = client.post(local_path(redirect_url), CARD, follow=True)
    assert b'data-testid="pay"' not in again.content and b'data-testid="outcome"' in again.content
    assert Payment.objects.filter(status="succeeded").count() == 1


def test_a_guessed_or_expired_link_pays_nothing(api, client, client_user, hold, settings):
    payment, redirect_url = started_payment(api, client_user, hold)
    assert client.get("/paiement/sandbox/sbx_000000000000000000000000/").status_code == 404
    Payment.objects.filter(pk=payment.pk).update(
        created_at=payment.created_at - timedelta(minutes=settings.PAYMENT_LINK_MINUTES)
    )
    expired = client.post(local_path(redirect_url), CARD)
    assert expired.status_code == 410 and b'data-testid="expired"' in expired.content
    payment.refresh_from_db()
    assert payment.status == "pending"
