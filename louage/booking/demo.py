"""Demo reservations and payments, so every list and figure has data."""

import random
from datetime import timedelta

from django.db import transaction
from django.db.models import F

from louage.accounts.models import Role, User
from louage.core import clock
from louage.payments.models import Payment, PaymentMethod, PaymentStatus
from louage.trips.models import Trip, TripStatus

from . import services
from .models import Reservation, ReservationStatus

WALK_INS = [
    "Slim Gharbi",
    "Ahlem Dridi",
    "Zied Ben Amor",
    "Rania Toumi",
    "Oussama Hamdi",
    "Imen Jaziri",
]


def seed_bookings(stdout=None):
    if Reservation.objects.exists():
        return
    rng = random.Random(7)
    clients = list(
        User.objects.filter(role=Role.CLIENT, email__endswith="@louage.tn").order_by("email")
    )
    if not clients:
        return
    now = clock.now()
    _seed_past(rng, clients, now)
    _seed_upcoming(rng, clients, now)
    if stdout:
        stdout.write(
            f"Bookings: {Reservation.objects.count()} reservations, {Payment.objects.count()} payments."
        )


@transaction.atomic
def _seed_past(rng, clients, now):
    """Departed trips of the last week carried travellers who paid and boarded."""
    past = list(
        Trip.objects.filter(status=TripStatus.DEPARTED, departure__lt=now).select_related("origin")[
            :600
        ]
    )
    for trip in rng.sample(past, min(250, len(past))):
        seats = rng.randint(1, 3)
        walk_in = rng.random() < 0.4
        reservation = services._create_reservation(
            trip=trip,
            client=None if walk_in else rng.choice(clients),
            passenger_name=rng.choice(WALK_INS) if walk_in else "",
            seats=seats,
            total_price=seats * trip.price,
            status=ReservationStatus.BOARDED,
            confirmed_at=trip.departure - timedelta(hours=rng.randint(1, 48)),
            boarded_at=trip.departure - timedelta(minutes=10),
        )
        Reservation.objects.filter(pk=reservation.pk).update(created_at=reservation.confirmed_at)
        Trip.objects.filter(pk=trip.pk, seats_available__gte=seats).update(
            seats_available=F("seats_available") - seats
        )
        Payment.objects.create(
            reservation=reservation,
            client=reservation.client,
            amount=reservation.total_price,
            method=PaymentMethod.CASH
            if walk_in
            else rng.choice([PaymentMethod.CASH, PaymentMethod.SANDBOX]),
            status=PaymentStatus.SUCCEEDED,
            paid_at=reservation.confirmed_at,
            recorded_by=trip.origin.chief,
            idempotency_key=f"demo:{reservation.pk}",
        )


def _seed_upcoming(rng, clients, now):
    """Confirmed seats on the next days' departures, sold online (paid at the desk) and walk-ins."""
    upcoming = list(
        Trip.objects.filter(
            status=TripStatus.SCHEDULED,
            departure__gt=now + timedelta(hours=1),
            departure__lt=now + timedelta(days=4),
        )
        .select_related("origin__chief")
        .order_by("departure")
    )
    for trip in rng.sample(upcoming, min(60, len(upcoming))):
        chief = trip.origin.chief
        if chief is None:
            continue
        if rng.random() < 0.5:
            reservation = services.reserve_seats(
                trip=trip, client=rng.choice(clients), seats=rng.randint(1, 2)
            )
            services.record_cash_payment(reservation=reservation, by=chief)
        else:
            services.sell_at_desk(
                trip=trip, seats=rng.randint(1, 3), passenger_name=rng.choice(WALK_INS), by=chief
            )
