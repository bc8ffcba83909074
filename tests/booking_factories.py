"""Reservations and payments for tests that need them without going through the services.

A reservation made here takes its seats from the trip the same way the service does (one
conditional UPDATE), so the seat invariant holds for every object these factories create."""

import secrets

import factory
from django.db.models import F
from django.utils import timezone

from louage.booking.models import SEAT_HOLDING, Reservation, ReservationStatus
from louage.payments.models import Payment, PaymentMethod, PaymentStatus
from louage.trips.models import Trip
from tests.factories import ClientFactory
from tests.network_factories import TripFactory

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class ReservationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reservation

    code = factory.LazyFunction(lambda: "".join(secrets.choice(CODE_ALPHABET) for _ in range(8)))
    trip = factory.SubFactory(TripFactory)
    client = factory.SubFactory(ClientFactory)
    seats = 1
    total_price = factory.LazyAttribute(lambda o: o.seats * o.trip.price)
    status = ReservationStatus.PENDING
    expires_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(minutes=10))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        if kwargs.get("status", ReservationStatus.PENDING) in SEAT_HOLDING:
            seats = kwargs.get("seats", 1)
            taken = Trip.objects.filter(pk=kwargs["trip"].pk, seats_available__gte=seats).update(
                seats_available=F("seats_available") - seats
            )
            assert taken, "ReservationFactory: not enough free seats on the trip"
        return super()._create(model_class, *args, **kwargs)


class ConfirmedReservationFactory(ReservationFactory):
    status = ReservationStatus.CONFIRMED
    expires_at = None
    confirmed_at = factory.LazyFunction(timezone.now)


class CashPaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    reservation = factory.SubFactory(ConfirmedReservationFactory)
    client = factory.LazyAttribute(lambda o: o.reservation.client)
    amount = factory.LazyAttribute(lambda o: o.reservation.total_price)
    method = PaymentMethod.CASH
    status = PaymentStatus.SUCCEEDED
    paid_at = factory.LazyFunction(timezone.now)
    idempotency_key = factory.LazyAttribute(lambda o: f"cash:{o.reservation.pk}")
