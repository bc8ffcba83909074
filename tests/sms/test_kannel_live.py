"""End to end through a real Kannel: a live Louage (the web server and its task worker) sends through
smsbox to the fake SMS centre, gets the delivery reports back on its dlr-url, and answers the
messages phones send to Kannel's sms-service (STOP, START, a ticket code)."""

import time

import pytest

pytestmark = pytest.mark.live

SETUP = """
import json
from tests.network_factories import TripFactory
trip = TripFactory()
print(json.dumps({"trip": trip.pk}))
"""

DESK_SALE = """
import json
from louage.booking import services
from louage.trips.models import Trip
trip = Trip.objects.select_related("origin__chief").get(pk=%(trip)s)
sale = services.sell_at_desk(trip=trip, seats=1, passenger_name="Voyageur",
                             passenger_phone="%(phone)s", by=trip.origin.chief)
print(json.dumps({"code": sale.code, "id": sale.pk}))
"""

ONLINE_BOOKING = """
import json
from louage.booking import services
from louage.trips.models import Trip
from tests.factories import ClientFactory
trip = Trip.objects.select_related("origin__chief").get(pk=%(trip)s)
client = ClientFactory(email="%(email)s", phone="%(phone)s", language="%(language)s")
hold = services.reserve_seats(trip=trip, client=client, seats=1)
services.record_cash_payment(reservation=hold, by=trip.origin.chief)
print(json.dumps({"code": hold.code, "id": hold.pk}))
"""


@pytest.fixture(scope="module")
def live_trip(sms_live):
    return sms_live.server.shell_json(SETUP)["trip"]


def wait_until(read, expected, timeout=30):
    deadline = time.monotonic() + timeout
    value = read()
    while value != expected and time.monotonic() < deadline:
        time.sleep(0.2)
        value = read()
    return value


def test_an_arabic_ticket_reaches_the_phone_as_ucs2_and_its_delivery_report_comes_back(
    sms_live, live_trip
):
    booked = sms_live.server.shell_json(
        ONLINE_BOOKING
        % {"trip": live_trip, "email": "ar@live.tn", "phone": "+21697000001", "language": "ar"}
    )
    received = sms_live.gateway.wait_for(
        lambda m: m["receiver"] == "+21697000001" and booked["code"] in m["text"]
    )
    assert received["coding"] == "ucs-2" and "تذكرة" in received["text"]
    rows = sms_live.server.sql(
        "SELECT text, ucs2 FROM sms_smsmessage WHERE reservation_id = %s", (booked["id"],)
    )
    assert rows == [(received["text"], 1)]

    def state():
        return sms_live.server.sql(
            "SELECT status, delivered_at IS NOT NULL FROM sms_smsmessage WHERE reservation_id = %s",
            (booked["id"],),
        )

    assert wait_until(state, [("delivered", 1)]) == [("delivered", 1)]


def _opted_out(server, phone):
    return server.sql("SELECT COUNT(*) FROM sms_smsoptout WHERE phone = %s", (phone,))[0][0]


def test_stop_from_a_phone_stops_every_sms_to_it_until_start(sms_live, live_trip):
    gateway, server = sms_live.gateway, sms_live.server
    gateway.send_from_phone("+21697000002", "STOP")
    confirmation = gateway.wait_for(
        lambda m: m["receiver"] == "+21697000002" and "START" in m["text"]
    )
    assert confirmation["coding"] == "text"
    assert _opted_out(server, "+21697000002") == 1
    sale = server.shell_json(DESK_SALE % {"trip": live_trip, "phone": "+21697000002"})
    assert server.sql("SELECT COUNT(*) FROM sms_smsmessage WHERE reservation_id = %s",
                      (sale["id"],)) == [(0,)]  # fmt: skip
    gateway.send_from_phone("21697000002", "START")  # as some SMS centres write numbers
    gateway.wait_for(lambda m: m["receiver"] == "+21697000002" and "STOP" in m["text"])
    assert wait_until(lambda: _opted_out(server, "+21697000002"), 0) == 0
    sale = server.shell_json(DESK_SALE % {"trip": live_trip, "phone": "+21697000002"})
    gateway.wait_for(lambda m: m["receiver"] == "+21697000002" and sale["code"] in m["text"])


def test_stop_in_arabic_is_heard_and_answered_in_arabic(sms_live):
    sms_live.gateway.send_from_phone("+21697000003", "وقف")
    answer = sms_live.gateway.wait_for(lambda m: m["receiver"] == "+21697000003")
    assert answer["coding"] == "ucs-2" and "START" in answer["text"] and "لواج" in answer["text"]
    assert _opted_out(sms_live.server, "+21697000003") == 1


def test_a_ticket_code_from_the_travellers_phone_gets_its_state_and_departure(sms_live, live_trip):
    gateway = sms_live.gateway
    sale = sms_live.server.shell_json(DESK_SALE % {"trip": live_trip, "phone": "+21697000004"})
    gateway.wait_for(lambda m: m["receiver"] == "+21697000004" and sale["code"] in m["text"])
    gateway.send_from_phone("+21697000004", sale["code"].lower())
    answer = gateway.wait_for(
        lambda m: m["receiver"] == "+21697000004" and "confirmée" in m["text"]
    )
    assert sale["code"] in answer["text"]
    # Another phone learns nothing about it.
    gateway.send_from_phone("+21697000005", sale["code"])
    other = gateway.wait_for(lambda m: m["receiver"] == "+21697000005")
    assert sale["code"] not in other["text"] and "STOP" in other["text"]
