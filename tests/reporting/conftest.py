"""A small hand-made network whose figures are known, for every report test.

Two stations, A (with its chief) and B. Days are Africa/Tunis days D1 = 2026-03-10 and
D2 = 2026-03-11 (Tunisia is UTC+1 all year):

- T1 A→B, D1 08:30, 8 seats at 10 DT: R1 boarded 2 seats (cash 20 DT), R2 confirmed 1 seat
  (card 10 DT), R3 cancelled 2 seats (card 20 DT, refunded), R4 expired hold of 1 seat.
- T2 A→B, D1 17:00, cancelled: R5 cancelled 3 seats (cash 30 DT, refunded).
- T3 B→A, D2 00:30 (still D1 in UTC), 4 seats at 5 DT: R6 confirmed 4 seats (cash 20 DT;
  an earlier card payment of it failed).
- T4 A→B, D2 + 1 day (outside the period D1–D2): R7 confirmed 1 seat (cash 10 DT).
"""

from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from louage.booking.models import ReservationStatus
from louage.payments.models import Payment, PaymentMethod, PaymentStatus
from louage.reporting import sales, visits
from louage.reporting.periods import Period
from louage.trips.models import TripStatus
from tests.booking_factories import ReservationFactory
from tests.network_factories import StationFactory, TripFactory, VehicleFactory

TUNIS = ZoneInfo("Africa/Tunis")
D1, D2 = date(2026, 3, 10), date(2026, 3, 11)
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0"


def at(day, hour, minute=0):
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TUNIS)


def _pay(reservation, amount, method, status=PaymentStatus.SUCCEEDED, key=None):
    refunded = status == PaymentStatus.REFUNDED
    return Payment.objects.create(
        reservation=reservation,
        client=reservation.client,
        amount=amount,
        method=method,
        status=status,
        paid_at=at(D1, 7) if status != PaymentStatus.FAILED else None,
        refunded_at=at(D1, 9) if refunded else None,
        refunded_amount=amount if refunded else 0,
        idempotency_key=key or f"test:{reservation.pk}",
    )


@pytest.fixture
def network(db, chief_user):
    a = StationFactory(name="Tunis Moncef Bey", city="Tunis", chief=chief_user)
    b = StationFactory(
        name="Sousse محطة", city="Sousse", latitude=Decimal("35.8"), longitude=Decimal("10.6")
    )
    va, vb = VehicleFactory(station=a), VehicleFactory(station=b)
    t1 = TripFactory(origin=a, destination=b, vehicle=va, departure=at(D1, 8, 30), price=10_000)
    t2 = TripFactory(origin=a, destination=b, vehicle=va, departure=at(D1, 17), price=10_000)
    t3 = TripFactory(
        origin=b, destination=a, vehicle=vb, departure=at(D2, 0, 30), price=5_000, seats_total=4
    )
    t4 = TripFactory(
        origin=a, destination=b, vehicle=va, departure=at(date(2026, 3, 12), 9), price=10_000
    )
    S = ReservationStatus  # noqa: N806
    walk_in = {"client": None, "passenger_name": "Voyageur"}  # no account: fast set-up
    r1 = ReservationFactory(trip=t1, **walk_in, seats=2, status=S.BOARDED, expires_at=None)
    r2 = ReservationFactory(trip=t1, **walk_in, seats=1, status=S.CONFIRMED, expires_at=None)
    r3 = ReservationFactory(trip=t1, **walk_in, seats=2, status=S.CANCELLED, expires_at=None)
    ReservationFactory(trip=t1, **walk_in, seats=1, status=S.EXPIRED)  # R4, the expired hold
    r5 = ReservationFactory(trip=t2, **walk_in, seats=3, status=S.CANCELLED, expires_at=None)
    r6 = ReservationFactory(trip=t3, **walk_in, seats=4, status=S.CONFIRMED, expires_at=None)
    r7 = ReservationFactory(trip=t4, **walk_in, seats=1, status=S.CONFIRMED, expires_at=None)
    _pay(r1, 20_000, PaymentMethod.CASH)
    _pay(r2, 10_000, PaymentMethod.SANDBOX)
    _pay(r3, 20_000, PaymentMethod.SANDBOX, PaymentStatus.REFUNDED)
    _pay(r5, 30_000, PaymentMethod.CASH, PaymentStatus.REFUNDED)
    _pay(r6, 20_000, PaymentMethod.SANDBOX, PaymentStatus.FAILED, key="failed-first")
    _pay(r6, 20_000, PaymentMethod.CASH)
    _pay(r7, 10_000, PaymentMethod.CASH)
    t2.status = TripStatus.CANCELLED
    t2.save(update_fields=["status"])
    # The factories write rows directly, with no domain event: the per-departure sales are
    # computed here once, as after a bulk import (the events keep them up to date otherwise,
    # tests/reporting/test_trip_sales.py).
    sales.rebuild()
    return SimpleNamespace(a=a, b=b, t1=t1, t2=t2, t3=t3, t4=t4, period=Period(D1, D2))


@pytest.fixture
def fresh_visits(monkeypatch):
    """An empty visit buffer for this test (other tests' page views stay out of it)."""
    monkeypatch.setattr(visits, "buffer", visits.VisitBuffer())
    return visits
