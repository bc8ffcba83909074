"""What the services record as domain events, and the layering events make possible."""

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from louage.booking import services as booking
from louage.core.models import Event
from louage.notifications.models import Notification
from louage.payments.models import Payment
from louage.trips import services as trips

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2] / "louage"


def types(**filters):
    return list(Event.objects.filter(**filters).order_by("id").values_list("type", flat=True))


def test_a_booking_life_records_one_event_per_change(trip, client_user, midday):
    reservation = booking.reserve_seats(trip=trip, client=client_user, seats=2)
    booking.record_cash_payment(reservation=reservation, by=trip.origin.chief)
    booking.board_reservation(reservation=reservation, by=trip.origin.chief)
    assert types(subject=f"reservation:{reservation.pk}") == [
        "reservation.created",
        "reservation.confirmed",
        "reservation.boarded",
    ]
    payment = Payment.objects.get(reservation=reservation)
    assert types(subject=f"payment:{payment.pk}") == ["payment.succeeded"]
    created = Event.objects.get(type="reservation.created")
    assert created.data["seats"] == 2 and created.data["total_price"] == 2 * trip.price
    assert created.station_id == trip.origin_id


def test_a_cancelled_paid_reservation_says_it_was_refunded(trip, client_user):
    reservation = booking.reserve_seats(trip=trip, client=client_user, seats=1)
    booking.record_cash_payment(reservation=reservation, by=trip.origin.chief)
    booking.cancel_reservation(reservation=reservation, by=trip.origin.chief)
    cancelled = Event.objects.get(type="reservation.cancelled")
    assert (cancelled.data["refunded"], cancelled.data["reason"]) == (True, "cancelled")
    assert Event.objects.filter(type="payment.refunded").count() == 1


def test_a_cancelled_departure_records_its_cancellations(trip, client_user):
    booking.reserve_seats(trip=trip, client=client_user, seats=1)
    trips.cancel_trip(trip=trip, by=trip.origin.chief)
    assert types(type__startswith="trip.") == ["trip.cancelled"]
    assert Event.objects.get(type="reservation.cancelled").data["reason"] == "trip_cancelled"


def test_an_expired_hold_records_its_expiry(trip, client_user, monkeypatch):
    reservation = booking.reserve_seats(trip=trip, client=client_user, seats=1)
    later = timezone.now() + timedelta(minutes=11)
    monkeypatch.setattr("louage.core.clock.now", lambda: later)
    booking.expire_stale_holds()
    assert types(subject=f"reservation:{reservation.pk}")[-1] == "reservation.expired"


def test_events_carry_no_personal_data(trip, client_user):
    reservation = booking.reserve_seats(trip=trip, client=client_user, seats=1)
    booking.record_cash_payment(reservation=reservation, by=trip.origin.chief)
    text = str(list(Event.objects.values_list("data", flat=True)))
    for private in (client_user.email, client_user.first_name, client_user.phone):
        assert private not in text


def test_notifications_come_from_the_events(trip, client_user, django_capture_on_commit_callbacks):
    reservation = booking.reserve_seats(trip=trip, client=client_user, seats=1)
    with django_capture_on_commit_callbacks(execute=True):
        booking.record_cash_payment(reservation=reservation, by=trip.origin.chief)
    assert Notification.objects.filter(user=client_user, kind="payment_received").count() == 1
    event = Event.objects.get(type="reservation.confirmed")
    assert event.relayed_at is not None and "notifications.confirmed" in event.handled_by


def test_the_apps_that_change_things_never_import_the_ones_that_listen():
    """booking, trips, payments, queues, tickets, stations and accounts record events; they
    never import notifications, sms, reporting, webhooks or opendata (which subscribe)."""
    listeners = ("louage.notifications", "louage.sms", "louage.reporting", "louage.webhooks",
                 "louage.opendata")  # fmt: skip
    offenders = []
    for app in ("accounts", "stations", "trips", "booking", "payments", "queues", "tickets"):
        for path in (ROOT / app).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                if any(name.startswith(listeners) for name in names):
                    offenders.append(f"{path.relative_to(ROOT)}: {names}")
    assert offenders == []
