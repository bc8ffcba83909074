"""A reservation code drawn twice (random, about one in 10^12 per stored code) draws again,
and the booking is made once: one row, its seats taken once, one audit entry, one event.

Under `transactional` the whole transaction runs again (no savepoint on every booking for
it); inside someone else's transaction (here a test's) a savepoint recovers instead."""

import pytest

from louage.booking import services
from louage.booking.models import Reservation
from louage.core.models import AuditEntry, Event
from louage.trips.models import Trip


@pytest.fixture
def codes(monkeypatch):
    """`codes(*drawn)`: the next codes drawn, in order, then fresh random ones."""
    draw = services._new_code

    def set_codes(*drawn):
        queue = list(drawn)
        monkeypatch.setattr(services, "_new_code", lambda: queue.pop(0) if queue else draw())
        return queue

    return set_codes


def _state(trip):
    return {
        "seats": Trip.objects.get(pk=trip.pk).seats_available,
        "reservations": Reservation.objects.count(),
        "audits": AuditEntry.objects.filter(action="reservation.created").count(),
        "events": Event.objects.filter(type="reservation.created").count(),
    }


def _hold_twice_drawn(trip, client_user, codes):
    taken = services.reserve_seats(trip=trip, client=client_user, seats=1)
    before = _state(trip)
    left = codes(taken.code, "FRESH234")
    held = services.reserve_seats(trip=trip, client=client_user, seats=2)
    after = _state(trip)
    assert left == []  # both codes were drawn
    assert held.code == "FRESH234"
    assert Reservation.objects.get(pk=held.pk).code == "FRESH234"
    assert after == {
        "seats": before["seats"] - 2,
        "reservations": before["reservations"] + 1,
        "audits": before["audits"] + 1,
        "events": before["events"] + 1,
    }
    assert Reservation.objects.get(pk=taken.pk).seats == 1  # the first holder's is untouched


@pytest.mark.django_db(transaction=True)
def test_a_taken_code_runs_the_booking_again_once(trip, client_user, codes, caplog):
    with caplog.at_level("INFO", logger="louage.db"):
        _hold_twice_drawn(trip, client_user, codes)
    assert "running the transaction again" in caplog.text


@pytest.mark.django_db
def test_inside_another_transaction_a_savepoint_draws_again(trip, client_user, codes, caplog):
    with caplog.at_level("INFO", logger="louage.db"):
        _hold_twice_drawn(trip, client_user, codes)
    assert "running the transaction again" not in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_code_taken_at_every_draw_changes_nothing(trip, client_user, codes):
    taken = services.reserve_seats(trip=trip, client=client_user, seats=1)
    before = _state(trip)
    codes(*[taken.code] * 10)
    with pytest.raises(RuntimeError, match="unique reservation code"):
        services.reserve_seats(trip=trip, client=client_user, seats=2)
    assert _state(trip) == before
