"""The admin pages of partner webhooks: list, create (secret once), edit, switch off, delete,
and the delivery log with retry, against a real local receiver."""

import pytest

from louage.booking import services as booking
from louage.webhooks.models import Delivery, DeliveryStatus, Endpoint
from tests.factories import AdminFactory, ChiefFactory, ClientFactory
from tests.support.servers import WebhookReceiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    server = WebhookReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def deliver_now(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_an_admin_creates_edits_switches_off_and_deletes_a_webhook(web, settings, receiver):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    web.force_login(AdminFactory())
    assert "Aucun webhook" in web.get("/gestion/webhooks/").content.decode()
    created = web.post(
        "/gestion/webhooks/ajouter/",
        {"url": receiver.url, "events": ["reservation.created", "trip.cancelled"],
         "description": "Partenaire", "active": "on"},
    )  # fmt: skip
    assert created.status_code == 200
    endpoint = Endpoint.objects.get()
    assert created.context["secret"] and created.context["secret"] in created.content.decode()
    assert endpoint.events == ["reservation.created", "trip.cancelled"]
    listing = web.get("/gestion/webhooks/").content.decode()
    assert receiver.url in listing and created.context["secret"] not in listing
    edited = web.post(
        f"/gestion/webhooks/{endpoint.pk}/modifier/",
        {"url": receiver.url, "events": ["trip.cancelled"], "description": "Partenaire"},
    )  # active unchecked: switched off
    assert edited.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.events == ["trip.cancelled"] and endpoint.active is False
    assert "Désactivé" in web.get("/gestion/webhooks/").content.decode()
    assert web.post(f"/gestion/webhooks/{endpoint.pk}/supprimer/").status_code == 302
    assert not Endpoint.objects.exists()


def test_bad_input_is_a_form_error_and_creates_nothing(web):
    web.force_login(AdminFactory())
    private = web.post(
        "/gestion/webhooks/ajouter/", {"url": "http://127.0.0.1:9/x", "events": ["trip.updated"]}
    )
    assert private.status_code == 200 and private.context["form"].errors.get("url")
    no_events = web.post("/gestion/webhooks/ajouter/", {"url": "https://partner.example/x"})
    assert no_events.context["form"].errors.get("events")
    odd = web.post(
        "/gestion/webhooks/ajouter/", {"url": "https://partner.example/x", "events": ["nope"]}
    )
    assert odd.status_code == 200 and odd.context["form"].errors.get("events")
    assert not Endpoint.objects.exists()


def test_the_delivery_log_shows_failures_and_a_retry_delivers(
    web, deliver_now, receiver, trip, client_user, django_capture_on_commit_callbacks
):
    admin = AdminFactory()
    web.force_login(admin)
    web.post("/gestion/webhooks/ajouter/",
             {"url": receiver.url, "events": ["reservation.created"], "active": "on"})  # fmt: skip
    endpoint = Endpoint.objects.get()
    receiver.failures_left = 1
    with django_capture_on_commit_callbacks(execute=True):  # the commit relays the event
        booking.reserve_seats(trip=trip, client=client_user, seats=1)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    log = web.get(f"/gestion/webhooks/{endpoint.pk}/livraisons/").content.decode()
    assert "reservation.created" in log and 'data-testid="retry"' in log
    with django_capture_on_commit_callbacks(execute=True):
        retried = web.post(f"/gestion/webhooks/{endpoint.pk}/livraisons/{delivery.pk}/relancer/")
    assert retried.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 2
    again = web.post(
        f"/gestion/webhooks/{endpoint.pk}/livraisons/{delivery.pk}/relancer/", follow=True
    )
    assert "déjà réussi" in again.content.decode()


@pytest.mark.parametrize("user_factory", [ChiefFactory, ClientFactory])
def test_only_admins_reach_the_webhook_pages(web, user_factory):
    web.force_login(user_factory())
    assert web.get("/gestion/webhooks/").status_code == 403
    assert web.post("/gestion/webhooks/ajouter/", {}).status_code == 403
    web.logout()
    assert web.get("/gestion/webhooks/").status_code == 302
