"""Finding 5: one account cannot block a departure; a hold never outlives it.

Attack: a new, unverified account held 8 seats on each of three departures (which also
refused the chief's desk sale) and could do it again every 10 minutes; a hold made 9 minutes
before departure expired after the departure; a payment started after the departure
succeeded and confirmed the seat 8 seconds after the vehicle left.
"""

import httpx
import pytest

from tests.booking.test_concurrency import SERVER_ENV
from tests.support.web import api_call

pytestmark = pytest.mark.live

SETUP = """
import json
from datetime import timedelta
from django.utils import timezone
from allauth.account.models import EmailAddress
from louage.accounts.sessions import tokens_for
from tests.factories import ClientFactory
from tests.network_factories import StationFactory, TripFactory, VehicleFactory
from tests.factories import ChiefFactory
chief = ChiefFactory()
origin = StationFactory(city="Tunis", chief=chief)
destination = StationFactory(city="Sousse")
now = timezone.now()
trips = []
for i, minutes in enumerate([180, 360, 540, 9]):
    vehicle = VehicleFactory(station=origin, plate=f"{100 + i} TU {1000 + i}")
    trips.append(TripFactory(origin=origin, destination=destination, vehicle=vehicle,
                             departure=now + timedelta(minutes=minutes)))
hoarder = ClientFactory()
unverified = ClientFactory()
EmailAddress.objects.filter(user=unverified).update(verified=False)
print(json.dumps({"trips": [t.pk for t in trips], "hoarder": tokens_for(hoarder)["access"],
                  "unverified": tokens_for(unverified)["access"], "chief": tokens_for(chief)["access"]}))
"""

SIGN = """
import json
from louage.payments.models import Payment
from louage.payments.providers.sandbox import callback_body, sign
p = Payment.objects.get(pk={payment_id})
body = callback_body(reference=p.provider_reference, card_number="4242424242424242", amount=p.amount)
print(json.dumps({{"body": body.decode(), "signature": sign(body)}}))
"""


def hold(server, token, trip_id, seats):
    return api_call(
        server.url, "POST", "/api/v1/reservations", token, {"trip_id": trip_id, "seats": seats}
    )


def test_one_account_cannot_block_departures_nor_the_desk(live_app):
    server = live_app(
        "sqlite",
        workers=2,
        env={**SERVER_ENV, "ACCOUNT_EMAIL_VERIFICATION": "optional",
             "BOOKING_REQUIRES_VERIFIED": "true"},
    )  # fmt: skip
    s = server.shell_json(SETUP)
    first, second, third, _soon = s["trips"]
    # An address nobody confirmed holds nothing.
    status, body = hold(server, s["unverified"], first, 8)
    assert (status, body["code"]) == (403, "email_unverified")
    # A confirmed account holds at most 8 seats in all, not 8 per departure.
    assert hold(server, s["hoarder"], first, 8)[0] == 201
    for trip_id in (second, third):
        status, body = hold(server, s["hoarder"], trip_id, 8)
        assert (status, body["code"]) == (409, "too_many_held_seats")
    # The desk still sells the other departures.
    status, sale = api_call(
        server.url, "POST", "/api/v1/reservations/desk", s["chief"],
        {"trip_id": second, "seats": 3, "passenger_name": "Walk In", "passenger_phone": "98 111 222"},
    )  # fmt: skip
    assert status == 201, sale
    available = server.sql(
        "SELECT id, seats_available FROM trips_trip WHERE id IN (%s, %s, %s) ORDER BY id",
        (first, second, third),
    )
    assert dict(available) == {first: 0, second: 5, third: 8}


def test_holds_that_keep_running_out_unpaid_bring_a_pause(live_app):
    server = live_app("sqlite", workers=2, env={**SERVER_ENV, "HOLD_MINUTES": "1",
                                                 "HOLD_COOLDOWN_AFTER_EXPIRED": "2"})  # fmt: skip
    s = server.shell_json(SETUP)
    first, second, *_ = s["trips"]
    assert hold(server, s["hoarder"], first, 1)[0] == 201
    assert hold(server, s["hoarder"], second, 1)[0] == 201
    server.sql("UPDATE booking_reservation SET expires_at = datetime('now', '-1 minute')")
    status, body = hold(server, s["hoarder"], first, 1)
    assert (status, body["code"]) == (429, "hold_cooldown")
    assert server.sql("SELECT COUNT(*) FROM booking_reservation WHERE status = 'pending' "
                      "AND expires_at > datetime('now')") == [(0,)]  # fmt: skip


def test_a_hold_ends_at_booking_close_and_nothing_is_paid_after_it(live_app):
    server = live_app("sqlite", workers=2, env=SERVER_ENV)
    s = server.shell_json(SETUP)
    soon = s["trips"][3]  # leaves in 9 minutes; online booking closes 5 minutes before
    status, reservation = hold(server, s["hoarder"], soon, 1)
    assert status == 201
    expires, departure = server.sql(
        "SELECT r.expires_at, t.departure FROM booking_reservation r "
        "JOIN trips_trip t ON t.id = r.trip_id WHERE r.id = %s",
        (reservation["id"],),
    )[0]
    assert server.shell_json(
        "import json; from django.utils.dateparse import parse_datetime as p; "
        f"print(json.dumps((p('{departure}') - p('{expires}')).total_seconds()))"
    ) == pytest.approx(300, abs=1)

    # A payment opened while the hold lasts, whose callback lands once it ran out: refunded.
    status, started = api_call(
        server.url, "POST", f"/api/v1/reservations/{reservation['id']}/payments", s["hoarder"]
    )
    assert status == 201
    server.sql(
        "UPDATE booking_reservation SET expires_at = datetime('now', '-1 second') WHERE id = %s",
        (reservation["id"],),
    )
    signed = server.shell_json(SIGN.format(payment_id=started["payment_id"]))
    answer = httpx.post(
        server.url + "/api/v1/payments/webhooks/sandbox", content=signed["body"],
        headers={"Content-Type": "application/json", "X-Louage-Signature": signed["signature"]},
    )  # fmt: skip
    assert answer.json()["status"] == "refunded"
    assert server.sql(
        "SELECT status FROM booking_reservation WHERE id = %s", (reservation["id"],)
    ) == [("expired",)]
    # And no payment starts once the hold is over.
    status, body = api_call(
        server.url, "POST", f"/api/v1/reservations/{reservation['id']}/payments", s["hoarder"]
    )
    assert status == 409
