"""Ticket tokens signed with Ed25519: checked with the public keys alone, keys that rotate,
and the reasons a token is refused."""

import base64
import json
import re
import struct
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core import signing
from django.core.management import CommandError, call_command

from louage.booking import services
from louage.booking.models import Reservation
from louage.core.times import day_bounds, local_today
from louage.tickets import tokens
from louage.trips.models import Trip

pytestmark = pytest.mark.django_db

OLD_SECRET = "an-old-ticket-secret-" + "o" * 40
NEW_SECRET = "a-new-ticket-secret-" + "n" * 40


@pytest.fixture
def paid(trip, client_user, midday):
    Trip.objects.filter(pk=trip.pk).update(departure=midday + timedelta(minutes=30))
    trip.refresh_from_db()
    reservation = services.reserve_seats(trip=trip, client=client_user, seats=2)
    services.record_cash_payment(reservation=reservation, by=trip.origin.chief)
    reservation.refresh_from_db()
    return reservation


def unpack(token):
    raw = base64.urlsafe_b64decode(token[4:] + "=" * (-len(token[4:]) % 4))
    return raw[:-64], raw[-64:]


def pack(payload, signature):
    return "LT1." + base64.urlsafe_b64encode(payload + signature).rstrip(b"=").decode()


def published_keys(api):
    response = api().get("tickets/keys")
    assert response.status_code == 200
    return response.json()


def status_of(reservation):
    return Reservation.objects.get(pk=reservation.pk).status


def test_a_token_is_verified_with_the_published_public_key_alone(api, paid, trip, midday):
    token = tokens.ticket_token(paid)
    key_set = published_keys(api)
    (key,) = key_set["keys"]
    assert set(key) == {"kty", "crv", "alg", "use", "kid", "x"}  # no private part
    # Verified the way a partner would: the raw public key, the documented layout.
    public = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(key["x"] + "="))
    payload, signature = unpack(token)
    public.verify(signature, payload)  # raises when it does not match
    version, kid, trip_id, station_id, day, expiry, seats, length = struct.unpack_from(
        ">B4sQQHIBB", payload
    )
    assert (version, kid.hex(), trip_id, station_id, seats) == (
        1, key["kid"], trip.pk, trip.origin_id, 2,
    )  # fmt: skip
    assert payload[-length:].decode() == paid.code
    assert expiry == int(day_bounds(local_today())[1].timestamp())
    assert len(token) < 160  # compact: a small QR code

    ticket = tokens.read_ticket(token, keys=tokens.keys_from_jwks(key_set))
    assert (ticket.code, ticket.day, ticket.key_id) == (paid.code, local_today(), key["kid"])


def test_the_keys_endpoint_is_public_and_cacheable(api):
    response = api().get("tickets/keys")
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=300"
    assert response.json()["keys"][0]["crv"] == "Ed25519"


def test_a_tampered_token_is_refused_and_boards_nobody(api, paid, trip):
    payload, signature = unpack(tokens.ticket_token(paid))
    more_seats = payload[:27] + bytes([8]) + payload[28:]
    forged = pack(more_seats, signature)
    with pytest.raises(tokens.ForgedTicket) as refused:
        tokens.read_ticket(forged)
    assert refused.value.code == "bad_signature"

    response = api(trip.origin.chief).post("tickets/check-in", {"code": forged})
    assert response.status_code == 409
    assert response.json()["code"] == "forged_ticket"
    assert "signature" in response.json()["detail"]
    assert status_of(paid) == "confirmed"


@pytest.mark.parametrize(
    "garbage",
    ["LT1.", "LT1.!!!!", "LT1." + "A" * 40, "LT1." + "A" * 400, "not-a-ticket", "LT1.AAAA" * 60],
)
def test_garbage_gets_a_clear_refusal_never_a_500(api, paid, trip, garbage):
    response = api(trip.origin.chief).post("tickets/check-in", {"code": garbage})
    assert response.status_code in (409, 422), response.content
    assert response.json()["code"] in ("forged_ticket", "invalid")
    assert status_of(paid) == "confirmed"


def test_a_rotated_key_keeps_old_tickets_valid_until_they_expire(api, paid, trip, settings, midday):
    settings.TICKET_SIGNING_KEYS = [OLD_SECRET]
    old_token = tokens.ticket_token(paid)
    old_kid = tokens.signing_keys()[0].key_id

    settings.TICKET_SIGNING_KEYS = [NEW_SECRET, OLD_SECRET]  # the rotation: new first
    new_kid = tokens.signing_keys()[0].key_id
    assert tokens.decode(tokens.ticket_token(paid))[0].key_id == new_kid != old_kid
    assert [k["kid"] for k in published_keys(api)["keys"]] == [new_kid, old_kid]
    assert tokens.read_ticket(old_token).code == paid.code

    # Until it expires, at the end of its departure day.
    end_of_day = day_bounds(local_today())[1]
    with pytest.raises(tokens.ExpiredTicket):
        tokens.read_ticket(old_token, now=end_of_day)
    response = api(trip.origin.chief).post("tickets/check-in", {"code": old_token})
    assert response.status_code == 200 and response.json()["status"] == "boarded"

    # Once the old key is dropped, its tickets are refused: signed by an unknown key.
    settings.TICKET_SIGNING_KEYS = [NEW_SECRET]
    with pytest.raises(tokens.ForgedTicket) as refused:
        tokens.read_ticket(old_token)
    assert refused.value.code == "unknown_key"


def test_an_expired_ticket_is_refused_with_its_day(api, paid, trip, midday):
    Trip.objects.filter(pk=trip.pk).update(departure=midday - timedelta(days=1))
    paid.refresh_from_db()
    token = tokens.ticket_token(paid)
    response = api(trip.origin.chief).post("tickets/check-in", {"code": token})
    assert response.status_code == 409
    assert response.json()["code"] == "expired_ticket"
    yesterday = (local_today() - timedelta(days=1)).strftime("%d/%m/%Y")
    assert yesterday in response.json()["detail"]
    assert status_of(paid) == "confirmed"


def test_a_ticket_signed_before_the_signed_tokens_is_still_accepted_online(api, paid, trip):
    legacy = signing.dumps(
        {"r": paid.pk, "c": paid.code},
        key=tokens.settings.TICKET_SIGNING_KEY,
        salt=tokens.LEGACY_SALT,
        compress=True,
    )
    response = api(trip.origin.chief).post("tickets/check-in", {"code": legacy})
    assert response.status_code == 200 and response.json()["status"] == "boarded"


# --- manage.py verify_ticket --------------------------------------------------------------


def test_verify_ticket_checks_a_token_with_a_saved_key_set(api, paid, tmp_path, capsys):
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps(published_keys(api)))
    call_command("verify_ticket", tokens.ticket_token(paid), "--keys", str(keys))
    out = capsys.readouterr().out
    assert "Billet valable" in out and paid.code in out and "2 places," in out


def test_verify_ticket_refuses_with_the_reason(api, paid, trip, tmp_path, settings):
    token = tokens.ticket_token(paid)
    payload, signature = unpack(token)
    with pytest.raises(CommandError, match="falsifié"):
        call_command("verify_ticket", pack(payload[:-1] + bytes([payload[-1] ^ 1]), signature))
    with pytest.raises(CommandError, match="autre station"):
        call_command("verify_ticket", token, "--station", str(trip.destination_id))
    with pytest.raises(CommandError, match="expiré"):
        tomorrow = day_bounds(local_today())[1] + timedelta(hours=8)
        call_command("verify_ticket", token, "--at", tomorrow.isoformat())
    other = tmp_path / "other-keys.json"
    settings.TICKET_SIGNING_KEYS = [NEW_SECRET]
    other.write_text(json.dumps(tokens.jwks()))
    with pytest.raises(CommandError, match="clé inconnue"):
        call_command("verify_ticket", token, "--keys", str(other))
    broken = tmp_path / "broken.json"
    broken.write_text('{"keys": "none"}')
    with pytest.raises(CommandError, match="no usable key set"):
        call_command("verify_ticket", token, "--keys", str(broken))


def test_verify_ticket_reads_the_keys_endpoint(api, paid):
    body = json.dumps(published_keys(api)).encode()

    class Keys(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Keys)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/api/v1/tickets/keys"
        call_command("verify_ticket", tokens.ticket_token(paid), "--keys", url)
    finally:
        server.shutdown()


# --- Pages ----------------------------------------------------------------------------------


def test_the_check_in_page_gives_its_script_the_station_keys_and_todays_departures(web, paid, trip):
    web.force_login(trip.origin.chief)
    html = web.get("/guichet/embarquement/").content.decode()
    data = re.search(r'<script id="check-in-offline" type="application/json">(.*?)</script>', html)
    config = json.loads(data.group(1))
    assert config["station"] == trip.origin_id
    assert config["keys_url"] == "/api/v1/tickets/keys"
    assert trip.destination.name in config["departures"][str(trip.pk)]
    sentences = config["messages"]["valid_offline"]  # one per seat count: real plurals
    assert "%(seats)s place," in sentences["1"] and "%(seats)s places," in sentences["2"]
    assert all("pas encore synchronisé" in sentence for sentence in sentences.values())
    # No script runs from the page itself (CSP): the JSON is data for js/checkin.js.
    scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert all('type="application/json"' in attributes for attributes in scripts)


def test_the_ticket_page_shows_the_signed_qr_and_until_when_it_is_valid(web, paid, client_user):
    web.force_login(client_user)
    html = web.get(f"/reservations/{paid.pk}/billet/").content.decode()
    assert 'data-testid="qr"' in html and "<svg" in html
    assert f"Valable le {local_today():%d/%m/%Y} jusqu'à minuit" in html
