import io
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader

from louage.booking import services
from louage.booking.models import Reservation
from louage.tickets.tokens import read_ticket, ticket_token
from louage.trips.models import Trip
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(trip, client_user, midday):
    Trip.objects.filter(pk=trip.pk).update(departure=midday + timedelta(hours=3))
    trip.refresh_from_db()
    reservation = services.reserve_seats(trip=trip, client=client_user, seats=2)
    services.record_cash_payment(reservation=reservation, by=trip.origin.chief)
    reservation.refresh_from_db()
    return reservation


def pdf_text(content):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def token_in(text):
    # The token is printed in small type under the QR code; it is the QR's content.
    tokens = [line for line in text.splitlines() if re.fullmatch(r"LT1\.[\w-]{100,}", line.strip())]
    assert len(tokens) == 1, text
    return tokens[0].strip()


def test_ticket_pdf_has_what_boarding_needs_and_a_verifiable_token(api, paid, client_user):
    response = api(client_user).get(f"reservations/{paid.pk}/ticket.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for expected in [
        paid.code,
        client_user.get_full_name(),
        "Tunis Moncef Bey",
        "Sousse Centre",
        "123 TU 4567",
        "24,000 DT",
        "+21671000000",
    ]:
        assert expected in text, expected
    ticket = read_ticket(token_in(text))
    assert (ticket.code, ticket.trip_id, ticket.seats) == (paid.code, paid.trip_id, 2)
    assert ticket.station_id == paid.trip.origin_id


def test_ticket_is_only_for_paid_reservations_and_their_owner(
    api, trip, client_user, paid, other_station
):
    pending = services.reserve_seats(trip=trip, client=ClientFactory(), seats=1)
    assert api(pending.client).get(f"reservations/{pending.pk}/ticket.pdf").status_code == 409
    assert api(ClientFactory()).get(f"reservations/{paid.pk}/ticket.pdf").status_code == 404
    assert api(other_station.chief).get(f"reservations/{paid.pk}/ticket.pdf").status_code == 404
    assert api(trip.origin.chief).get(f"reservations/{paid.pk}/ticket.pdf").status_code == 200


def test_check_in_accepts_a_ticket_once(api, paid, trip, midday):
    Trip.objects.filter(pk=trip.pk).update(departure=midday + timedelta(minutes=30))
    chief = api(trip.origin.chief)
    token = ticket_token(paid)
    first = chief.post("tickets/check-in", {"code": token})
    assert first.status_code == 200 and first.json()["status"] == "boarded"
    second = chief.post("tickets/check-in", {"code": token})
    assert second.status_code == 409 and second.json()["code"] == "already_boarded"


def test_check_in_by_typed_reference(api, paid, trip, midday):
    Trip.objects.filter(pk=trip.pk).update(departure=midday + timedelta(minutes=30))
    response = api(trip.origin.chief).post("tickets/check-in", {"code": paid.code.lower()})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "case, code",
    [
        ("forged", "forged_ticket"),
        ("other_station", "other_station"),
        ("other_day", "other_day"),
        ("cancelled", "cancelled_ticket"),
        ("unpaid", "unpaid_ticket"),
    ],
)
def test_check_in_refusals_say_why(api, paid, trip, other_station, case, code, midday):
    Trip.objects.filter(pk=trip.pk).update(departure=midday + timedelta(minutes=30))
    chief = trip.origin.chief
    token = ticket_token(paid)
    if case == "forged":
        token = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    elif case == "other_station":
        chief = other_station.chief
    elif case == "other_day":
        Trip.objects.filter(pk=trip.pk).update(departure=midday + timedelta(days=2))
    elif case == "cancelled":
        services.cancel_reservation(reservation=paid, by=trip.origin.chief)
    elif case == "unpaid":
        Reservation.objects.filter(pk=paid.pk).update(status="pending")
    response = api(chief).post("tickets/check-in", {"code": token})
    assert response.status_code == 409, response.content
    assert response.json()["code"] == code
    assert Reservation.objects.get(pk=paid.pk).status != "boarded"


def test_check_in_is_for_chiefs(api, paid, client_user):
    assert api(client_user).post("tickets/check-in", {"code": paid.code}).status_code == 403
    assert api().post("tickets/check-in", {"code": paid.code}).status_code == 401


def test_check_in_page_accepts_a_typed_code(web, paid, trip, midday):
    Trip.objects.filter(pk=trip.pk).update(departure=midday + timedelta(minutes=30))
    web.force_login(trip.origin.chief)
    assert web.get("/guichet/embarquement/").status_code == 200
    response = web.post(
        "/guichet/embarquement/valider/", {"code": paid.code}, headers={"HX-Request": "true"}
    )
    assert 'data-ok="1"' in response.content.decode()
    again = web.post(
        "/guichet/embarquement/valider/", {"code": paid.code}, headers={"HX-Request": "true"}
    ).content.decode()
    assert 'data-ok="0"' in again and "déjà servi" in again


def test_web_download_button(web, paid, client_user):
    web.force_login(client_user)
    assert 'data-testid="download-ticket"' in web.get(f"/reservations/{paid.pk}/").content.decode()
    response = web.get(f"/reservations/{paid.pk}/billet.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
