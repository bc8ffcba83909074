"""Issue 23, finding 7: loopback written as an IPv6 address that carries an IPv4 one passed
the webhook address filter.

Attack: an admin (or a stolen admin token) subscribed `http://[64:ff9b::7f00:1]/` (NAT64)
and `http://[2002:7f00:1::]/` (6to4), both the loopback 127.0.0.1 behind a translator, so
the task worker would post to services on the server itself. Now the IPv4 address inside
NAT64, 6to4, Teredo and IPv4-mapped addresses decides, at subscription and at delivery.
"""

import pytest

from louage.booking import services as booking
from louage.webhooks.models import Delivery, DeliveryStatus, Endpoint
from louage.webhooks.network import ForbiddenAddress, resolve_checked
from tests.factories import AdminFactory
from tests.support.servers import WebhookReceiver

LOOPBACK_IN_DISGUISE = [
    "http://[64:ff9b::7f00:1]/x",  # NAT64 (RFC 6052) of 127.0.0.1
    "https://[64:ff9b::a9fe:a9fe]/latest/meta-data",  # NAT64 of 169.254.169.254
    "http://[64:ff9b:1::7f00:1]/x",  # local-use NAT64 (RFC 8215)
    "http://[2002:7f00:1::]/x",  # 6to4 of 127.0.0.1
    "http://[2002:a00:1::1]/x",  # 6to4 of 10.0.0.1
    "http://[2001:0:7f00:1::80ff:fffe]/x",  # Teredo: server 127.0.0.1
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/x",  # Teredo: client 127.0.0.1
    "http://[::ffff:127.0.0.1]/x",  # IPv4-mapped
    "http://[::127.0.0.1]/x",  # IPv4-compatible
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", LOOPBACK_IN_DISGUISE)
def test_a_translated_loopback_address_is_refused_at_subscription(api, settings, url):
    settings.DEBUG = True  # http:// allowed, as in development: only the address is judged
    response = api(AdminFactory()).post("webhooks", {"url": url, "events": ["trip.created"]})
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == "url"
    assert not Endpoint.objects.exists()


@pytest.mark.parametrize(
    "address", ["64:ff9b::808:808", "2002:808:808::1", "::ffff:8.8.8.8", "2606:4700::1111"]
)
def test_public_addresses_in_those_forms_still_pass(settings, address):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    assert resolve_checked(address, 443) == [address]


@pytest.mark.parametrize("url", LOOPBACK_IN_DISGUISE)
def test_the_delivery_guard_refuses_them_too(settings, url):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    host = url.split("[", 1)[1].split("]", 1)[0]
    with pytest.raises(ForbiddenAddress):
        resolve_checked(host, 80)


@pytest.mark.django_db(transaction=True)
def test_an_endpoint_saved_with_a_nat64_loopback_gets_no_delivery(api, settings, trip, client_user):
    # Saved where private addresses were allowed (or before this check), then the setting off:
    # the delivery is refused before any connection is opened.
    receiver = WebhookReceiver().start()
    try:
        settings.WEBHOOKS_ALLOW_PRIVATE = True
        settings.TASKS = {
            "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
        }
        url = f"http://[64:ff9b::7f00:1]:{receiver.port}/hooks/louage"
        created = api(AdminFactory()).post(
            "webhooks", {"url": url, "events": ["reservation.created"]}
        )
        assert created.status_code == 201, created.content
        settings.WEBHOOKS_ALLOW_PRIVATE = False
        booking.reserve_seats(trip=trip, client=client_user, seats=1)
        delivery = Delivery.objects.get()
        assert delivery.status == DeliveryStatus.PENDING
        assert delivery.last_error.startswith("forbidden address"), delivery.last_error
        assert delivery.last_status_code is None
        assert receiver.received() == []
    finally:
        receiver.stop()
