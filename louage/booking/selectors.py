from django.db.models import Q, Sum

from louage.accounts.models import Role
from louage.core import clock
from louage.core.errors import NotFound
from louage.trips.models import Trip, TripKind, TripStatus

from .models import SEAT_HOLDING, Reservation, ReservationStatus


def _base():
    return Reservation.objects.select_related(
        "trip__origin", "trip__destination", "trip__vehicle", "client"
    )


def reservations_for_user(user, *, status=None, trip_id=None, day_bounds=None):
    """A client's own reservations, a chief's station's, every one for admins."""
    reservations = _base()
    if user.role == Role.CLIENT:
        reservations = reservations.filter(client=user)
    elif user.role == Role.CHIEF:
        reservations = reservations.filter(trip__origin__chief=user)
    elif user.role != Role.ADMIN:
        return reservations.none()
    if status:
        reservations = reservations.filter(status=status)
    if trip_id:
        reservations = reservations.filter(trip_id=trip_id)
    if day_bounds:
        reservations = reservations.filter(
            trip__departure__gte=day_bounds[0], trip__departure__lt=day_bounds[1]
        )
    return reservations.order_by("-created_at", "-pk")


def visible_reservation(user, reservation_id):
    reservation = reservations_for_user(user).filter(pk=reservation_id).first()
    if reservation is None:
        raise NotFound("Réservation introuvable.")
    return reservation


def client_reservations_split(user):
    """(upcoming, past) for the client's "Mes réservations" page."""
    now = clock.now()
    mine = reservations_for_user(user)
    # A depart-when-full louage has no hour: it is upcoming until it leaves.
    to_come = Q(trip__departure__gte=now) | Q(
        trip__kind=TripKind.QUEUE, trip__status=TripStatus.SCHEDULED
    )
    upcoming = mine.filter(to_come).exclude(
        status__in=[ReservationStatus.EXPIRED, ReservationStatus.CANCELLED]
    )
    past = mine.filter(
        ~to_come | Q(status__in=[ReservationStatus.EXPIRED, ReservationStatus.CANCELLED])
    )
    return upcoming.order_by("trip__departure", "pk"), past


def seats_consistency(trip):
    """(seats taken on the trip, seats of its seat-holding reservations): equal when §3.1 holds.

    Pending holds past their expiry still count until they are expired: their seats are not
    given back before that, so both sides agree at every moment."""
    trip = Trip.objects.get(pk=trip.pk)
    held = (
        Reservation.objects.filter(trip=trip, status__in=SEAT_HOLDING).aggregate(
            total=Sum("seats")
        )["total"]
        or 0
    )
    return trip.seats_total - trip.seats_available, held
