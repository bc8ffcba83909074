"""A ticket of another departure than the one boarding is boarded only once the chief
confirms: the same rule for the web page and the API (409 other_departure/later_departure)."""

from datetime import timedelta

import pytest

from louage.booking import services
from louage.booking.models import Reservation
from louage.tickets import services as tickets
from louage.tickets.tokens import ticket_token
from louage.trips.models import Trip
from tests.network_factories import TripFactory, VehicleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_departures(trip, client_user, midday):
    """The 12:30 to Sousse (boarding now) and the 18:00; the traveller paid for the 18:00."""
    Trip.objects.filter(pk=trip.pk).update(departure=midday + timedelta(minutes=30))
    trip.refresh_from_db()
    later = TripFactory(
        origin=trip.origin,
        destination=trip.destination,
        vehicle=VehicleFactory(station=trip.origin, plate="777 TU 7777"),
        departure=midday + timedelta(hours=6),
    )
    reservation = services.reserve_seats(trip=later, client=client_user, seats=2)
    services.record_cash_payment(reservation=reservation, by=trip.origin.chief)
    return trip, later, reservation


def status_of(reservation):
    return Reservation.objects.get(pk=reservation.pk).status


def test_a_later_departures_ticket_needs_a_confirmation_through_the_api(api, two_departures):
    now_boarding, later, reservation = two_departures
    chief = api(now_boarding.origin.chief)
    refused = chief.post("tickets/check-in", {"code": ticket_token(reservation)})
    assert refused.status_code == 409 and refused.json()["code"] == "later_departure"
    assert "18:00" in refused.json()["detail"] and "777 TU 7777" in refused.json()["detail"]
    assert status_of(reservation) == "confirmed"
    confirmed = chief.post("tickets/check-in", {"code": ticket_token(reservation), "confirm": True})
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["trip"]["vehicle_plate"] == "777 TU 7777"
    assert status_of(reservation) == "boarded"


def test_a_ticket_of_another_departure_than_the_one_named_gets_409(api, two_departures):
    now_boarding, later, reservation = two_departures
    chief = api(now_boarding.origin.chief)
    refused = chief.post("tickets/check-in", {"code": reservation.code, "trip_id": now_boarding.pk})
    assert refused.status_code == 409 and refused.json()["code"] == "other_departure"
    assert status_of(reservation) == "confirmed"
    # Named as the departure boarding, the same ticket goes through without a question.
    ok = chief.post("tickets/check-in", {"code": reservation.code, "trip_id": later.pk})
    assert ok.status_code == 200 and status_of(reservation) == "boarded"


def test_the_first_departure_to_leave_boards_without_a_question(two_departures, client_user):
    now_boarding, later, _ = two_departures
    mine = services.reserve_seats(trip=now_boarding, client=client_user, seats=1)
    services.record_cash_payment(reservation=mine, by=now_boarding.origin.chief)
    boarded = tickets.check_in(code_or_token=mine.code, by=now_boarding.origin.chief)
    assert boarded.status == "boarded"


def test_a_departure_long_gone_unmarked_does_not_warn(two_departures, midday):
    now_boarding, later, reservation = two_departures
    # The 12:30 was never marked gone, but it is 19:00 now: the 18:00 is the one boarding.
    Trip.objects.filter(pk=now_boarding.pk).update(departure=midday - timedelta(hours=1))
    boarded = tickets.check_in(code_or_token=reservation.code, by=now_boarding.origin.chief)
    assert boarded.status == "boarded"


def test_a_departure_of_another_station_cannot_be_named(api, two_departures, other_station):
    now_boarding, later, reservation = two_departures
    elsewhere = TripFactory(origin=other_station, destination=now_boarding.origin)
    response = api(now_boarding.origin.chief).post(
        "tickets/check-in", {"code": reservation.code, "trip_id": elsewhere.pk}
    )
    assert response.status_code == 404 and response.json()["code"] == "unknown_trip"
    assert status_of(reservation) == "confirmed"


def test_the_check_in_page_asks_and_boards_on_confirmation(web, two_departures):
    now_boarding, later, reservation = two_departures
    web.force_login(now_boarding.origin.chief)
    page = web.get(f"/guichet/embarquement/?trip={now_boarding.pk}").content.decode()
    assert 'data-testid="boarding-trip"' in page
    asked = web.post(
        "/guichet/embarquement/valider/",
        {"code": reservation.code, "trip": now_boarding.pk},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert 'data-confirm="1"' in asked and "Embarquer quand même" in asked
    assert "18:00" in asked and status_of(reservation) == "confirmed"
    done = web.post(
        "/guichet/embarquement/valider/",
        {"code": reservation.code, "trip": now_boarding.pk, "confirm": "1"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert 'data-ok="1"' in done and status_of(reservation) == "boarded"
    # The success names the traveller, the vehicle and the destination.
    assert reservation.client.get_full_name() in done
    assert "777 TU 7777" in done and "Sousse" in done and "2 places" in done


def test_the_boarding_list_starts_with_what_is_next(web, two_departures, midday):
    now_boarding, later, _ = two_departures
    gone = TripFactory(
        origin=now_boarding.origin,
        destination=now_boarding.destination,
        departure=midday - timedelta(hours=3),
        status="departed",
    )
    web.force_login(now_boarding.origin.chief)
    page = web.get("/guichet/embarquement/").content.decode()
    coming, _, past = page.partition('data-testid="picker-gone"')
    assert f'data-trip="{now_boarding.pk}"' in coming and f'data-trip="{later.pk}"' in coming
    assert f'data-trip="{gone.pk}"' not in coming and f'data-trip="{gone.pk}"' in past
    assert "1 départ déjà parti" in past


def test_a_loading_queue_louage_does_not_make_a_timetabled_ticket_a_later_one(
    two_departures, lined_up, client_user
):
    """Queues and timetabled departures are separate lines at the door: a louage loading to
    the same destination does not hold back the next scheduled departure's travellers."""
    now_boarding, later, _ = two_departures
    assert lined_up.destination_id == now_boarding.destination_id
    mine = services.reserve_seats(trip=now_boarding, client=client_user, seats=1)
    services.record_cash_payment(reservation=mine, by=now_boarding.origin.chief)
    boarded = tickets.check_in(code_or_token=mine.code, by=now_boarding.origin.chief)
    assert boarded.status == "boarded"
