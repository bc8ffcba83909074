"""A large generated network for search tests and benchmarks: fast bulk inserts."""

import random
from datetime import timedelta
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from louage.stations.cities import CITIES
from louage.stations.models import Station, Vehicle
from louage.trips.models import Trip, TripStatus


def generate_network(stations=50, trips=100_000, seed=1, *, start=None, days=60, batch=5000):
    """`stations` stations with 10 vehicles each and `trips` departures spread over `days` days
    from `start` (default: a week ago): some cancelled, some departed, some full.
    Deterministic for a given `seed`. Returns the stations."""
    rng = random.Random(seed)
    if start is None:
        start = timezone.now() - timedelta(days=7)
    created = Station.objects.bulk_create(
        [
            Station(
                name=f"Gen station {i}",
                city=CITIES[i % len(CITIES)],
                latitude=Decimal("33.5") + Decimal(i % 40) / 10,
                longitude=Decimal("8.5") + Decimal(i % 30) / 10,
            )
            for i in range(stations)
        ]
    )
    created = list(Station.objects.filter(name__startswith="Gen station ").order_by("pk"))
    Vehicle.objects.bulk_create(
        [
            Vehicle(plate=f"{i % 999 + 1} TU {7000 + i}", owner_name="Gen", station=s, seats=8)
            for i, s in enumerate(s for s in created for _ in range(10))
        ]
    )
    vehicles = {}
    for vehicle in Vehicle.objects.filter(station__in=created):
        vehicles.setdefault(vehicle.station_id, []).append(vehicle.pk)
    pending = []
    for _ in range(trips):
        origin, destination = rng.sample(created, 2)
        seats_total = 8
        status = rng.choices(
            [TripStatus.SCHEDULED, TripStatus.CANCELLED, TripStatus.DEPARTED], [85, 5, 10]
        )[0]
        pending.append(
            Trip(
                origin_id=origin.pk,
                destination_id=destination.pk,
                vehicle_id=rng.choice(vehicles[origin.pk]),
                departure=start + timedelta(minutes=rng.randrange(days * 24 * 60)),
                price=rng.randrange(2000, 40000, 100),
                seats_total=seats_total,
                seats_available=rng.choice([0, 1, 2, 3, 5, 8, 8, 8]),
                status=status,
            )
        )
        if len(pending) >= batch:
            Trip.objects.bulk_create(pending)
            pending = []
    Trip.objects.bulk_create(pending)
    return created


def generate_bookings(seed=1, batch=5000):
    """Reservations and payments for the departures `generate_network` made, so sales figures
    have something to add up: every taken seat is sold (confirmed, or boarded on a departed
    trip) and paid in cash or by card; about one departure in ten also has an expired hold
    and one in twenty a cancelled, refunded reservation; a cancelled departure's sales are
    cancelled and refunded. Returns (reservations, payments) created."""
    from louage.booking.models import Reservation, ReservationStatus
    from louage.payments.models import Payment, PaymentMethod, PaymentStatus

    rng = random.Random(seed)
    counter = {"reservations": 0, "payments": 0, "code": Reservation.objects.count()}

    def flush(reservations, paid):
        Reservation.objects.bulk_create(reservations)
        payments = []
        for reservation, (method, status) in zip(reservations, paid, strict=True):
            if method is None:
                continue
            refunded = status == PaymentStatus.REFUNDED
            payments.append(
                Payment(
                    reservation_id=reservation.pk,
                    amount=reservation.total_price,
                    method=method,
                    status=status,
                    paid_at=reservation.confirmed_at,
                    refunded_at=reservation.cancelled_at if refunded else None,
                    refunded_amount=reservation.total_price if refunded else 0,
                    idempotency_key=f"gen:{reservation.pk}",
                )
            )
        Payment.objects.bulk_create(payments)
        counter["reservations"] += len(reservations)
        counter["payments"] += len(payments)

    def reservation(trip, price, seats, status, departure):
        counter["code"] += 1
        confirmed = departure - timedelta(hours=rng.randint(1, 72))
        return Reservation(
            code=f"G{counter['code']:010d}",
            trip_id=trip,
            passenger_name="Voyageur généré",
            seats=seats,
            total_price=seats * price,
            status=status,
            confirmed_at=confirmed if status != ReservationStatus.EXPIRED else None,
            boarded_at=departure if status == ReservationStatus.BOARDED else None,
            expired_at=confirmed if status == ReservationStatus.EXPIRED else None,
            cancelled_at=departure - timedelta(hours=1)
            if status == ReservationStatus.CANCELLED
            else None,
        )

    def method():
        return rng.choice([PaymentMethod.CASH, PaymentMethod.CASH, PaymentMethod.SANDBOX])

    pending, paid = [], []
    trips = Trip.objects.order_by("pk").values_list(
        "pk", "price", "seats_total", "seats_available", "status", "departure"
    )
    for trip, price, seats_total, seats_available, status, departure in trips.iterator(
        chunk_size=batch
    ):
        taken = seats_total - seats_available
        if status == TripStatus.CANCELLED:
            if taken:
                pending.append(
                    reservation(trip, price, min(taken, 3), ReservationStatus.CANCELLED, departure)
                )
                paid.append((method(), PaymentStatus.REFUNDED))
        else:
            sold = (
                ReservationStatus.BOARDED
                if status == TripStatus.DEPARTED
                else ReservationStatus.CONFIRMED
            )
            while taken:
                seats = min(taken, rng.randint(1, 3))
                taken -= seats
                pending.append(reservation(trip, price, seats, sold, departure))
                paid.append((method(), PaymentStatus.SUCCEEDED))
            roll = rng.random()
            if roll < 0.10:
                pending.append(reservation(trip, price, 1, ReservationStatus.EXPIRED, departure))
                paid.append((None, None))
            elif roll < 0.15:
                pending.append(reservation(trip, price, 2, ReservationStatus.CANCELLED, departure))
                paid.append((method(), PaymentStatus.REFUNDED))
        if len(pending) >= batch:
            flush(pending, paid)
            pending, paid = [], []
    if pending:
        flush(pending, paid)
    # A cancelled departure gave its seats back when its reservations were cancelled (§3.1).
    Trip.objects.filter(status=TripStatus.CANCELLED).update(seats_available=F("seats_total"))
    return counter["reservations"], counter["payments"]
