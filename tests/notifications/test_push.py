"""Web Push: a traveller's browser subscribes from the notifications page; the task worker
pushes their notifications to the push service, encrypted to the browser's keys (RFC 8291)
and signed with the site's VAPID key (RFC 8292) — checked by a local push service that
decrypts them (tests/support/push.py). A gone subscription is forgotten; a failing push
service never fails the booking."""

import json

import pytest
from django.test import Client

from louage.booking import services
from louage.keys import vapid_key_pair, vapid_public_key
from louage.notifications.models import Notification, PushSubscription
from louage.notifications.services import notify
from tests.factories import ClientFactory
from tests.support.push import PushService
from tests.support.servers import free_port

pytestmark = pytest.mark.django_db

SUBSCRIBE = "/notifications/push/abonner/"
UNSUBSCRIBE = "/notifications/push/desabonner/"


@pytest.fixture(scope="module")
def push_service():
    service = PushService().start()
    yield service
    service.stop()


@pytest.fixture
def push_settings(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.WEBHOOKS_ALLOW_PRIVATE = True  # the push service listens on loopback
    return settings


def subscribe(client, subscription):
    return client.post(SUBSCRIBE, json.dumps(subscription), content_type="application/json")


def test_a_paid_booking_reaches_the_travellers_phone_encrypted_and_signed(
    trip, client_user, push_service, push_settings, client, django_capture_on_commit_callbacks
):
    browser = push_service.subscription()
    client.force_login(client_user)
    assert subscribe(client, browser).status_code == 201
    reservation = services.reserve_seats(trip=trip, client=client_user, seats=2)
    with django_capture_on_commit_callbacks(execute=True):
        services.record_cash_payment(reservation=reservation, by=trip.origin.chief)

    notification = Notification.objects.get(user=client_user, kind="payment_received")
    [message] = push_service.received(browser)
    assert message["title"] == notification.title and reservation.code in message["title"]
    assert message["body"] == notification.body
    assert message["url"] == f"/reservations/{reservation.pk}/"
    delivery = push_service.messages[-1]
    assert delivery["claims"]["k"] == push_settings.WEBPUSH_VAPID_PUBLIC_KEY
    assert reservation.code.encode() not in delivery["ciphertext"]
    assert PushSubscription.objects.get(endpoint=browser["endpoint"]).last_sent_at is not None


def test_a_gone_subscription_is_forgotten_and_a_dead_service_fails_nothing(
    trip, client_user, push_service, push_settings, django_capture_on_commit_callbacks
):
    gone = push_service.subscription()
    push_service.gone.add(gone["endpoint"].rsplit("/", 1)[-1])
    dead = {**push_service.subscription(), "endpoint": f"http://127.0.0.1:{free_port()}/push/x"}
    for browser in (gone, dead):
        PushSubscription.objects.create(
            user=client_user, endpoint=browser["endpoint"], **browser["keys"]
        )
    reservation = services.reserve_seats(trip=trip, client=client_user, seats=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.record_cash_payment(reservation=reservation, by=trip.origin.chief)

    reservation.refresh_from_db()
    assert reservation.status == "confirmed"
    assert Notification.objects.filter(user=client_user, kind="payment_received").exists()
    remaining = set(PushSubscription.objects.values_list("endpoint", flat=True))
    assert remaining == {dead["endpoint"]}  # gone: deleted; unreachable: kept for next time


def test_subscribing_takes_csrf_valid_keys_and_a_public_https_endpoint(
    client_user, push_service, settings
):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(client_user)
    subscription = push_service.subscription()
    assert subscribe(browser, subscription).status_code == 403  # no CSRF token

    client = Client()
    client.force_login(client_user)
    bad_key = {**subscription, "keys": {**subscription["keys"], "p256dh": "AAAA"}}
    answer = subscribe(client, bad_key)
    assert answer.status_code == 422 and answer.json()["detail"]
    assert client.post(SUBSCRIBE, "not json", content_type="application/json").status_code == 422
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    assert subscribe(client, subscription).status_code == 422  # http and loopback
    assert not PushSubscription.objects.exists()


def test_a_user_unsubscribes_only_their_own_browser(client_user, push_service, push_settings):
    mine, theirs = push_service.subscription(), push_service.subscription()
    other = ClientFactory()
    for user, browser in ((client_user, mine), (other, theirs)):
        PushSubscription.objects.create(user=user, endpoint=browser["endpoint"], **browser["keys"])
    client = Client()
    client.force_login(client_user)
    post = client.post
    assert post(UNSUBSCRIBE, json.dumps(theirs), content_type="application/json").json() == {
        "subscribed": False,
        "removed": 0,
    }
    assert post(UNSUBSCRIBE, json.dumps(mine), content_type="application/json").status_code == 200
    assert list(PushSubscription.objects.values_list("user", flat=True)) == [other.pk]


def test_no_push_is_queued_for_a_user_without_a_subscription(
    client_user, push_service, push_settings, django_capture_on_commit_callbacks
):
    browser = push_service.subscription()
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=client_user, kind="info", title="Bonjour", body="Sans abonnement")
    assert push_service.received(browser) == []


def test_the_vapid_key_pair_derived_from_a_secret_is_a_pair():
    private, public = vapid_key_pair("a" * 64)
    assert vapid_public_key(private) == public
    assert vapid_key_pair("b" * 64) != (private, public)
    with pytest.raises(ValueError):
        vapid_public_key("AAAA")
