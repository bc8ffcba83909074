from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from louage.accounts.models import Role
from louage.core import clock
from louage.core.errors import NotFound
from louage.trips.models import Trip, TripKind, TripStatus

from .models import SEAT_HOLDING, Reservation, ReservationStatus


def _base():
    from django.db.models import OuterRef, Subquery

    from louage.trips.models import RouteDuration

    # The route's set duration rides along, so trip.timing costs no query per row.
    return Reservation.objects.select_related(
        "trip__origin", "trip__destination", "trip__vehicle", "client"
    ).annotate(
        trip_route_minutes=Subquery(
            RouteDuration.objects.filter(
                origin_city=OuterRef("trip__origin__city"),
                destination_city=OuterRef("trip__destination__city"),
            ).values("minutes")[:1]
        )
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
        raise NotFound(_("Réservation introuvable."))
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


# --- what cancelling does -------------------------------------------------------------------


def refund_deadline(trip):
    """A client cancels a paid reservation online (and is refunded) until this moment; None
    for a depart-when-full louage, which has no hour: see online_cancel_open."""
    from datetime import timedelta

    from django.conf import settings

    if trip.kind == TripKind.QUEUE:
        return None
    return trip.departure - timedelta(minutes=settings.REFUND_CUTOFF_MINUTES)


def queue_vehicle_closed(trip):
    """A depart-when-full vehicle stops taking online cancellations once the chief marks it
    full or sends it: its seats are then promised to the travellers standing by it. (The turn
    is read through the trip's reverse relation: booking does not import queues.)"""
    if trip.status != TripStatus.SCHEDULED:
        return True
    return Trip.objects.filter(pk=trip.pk, queue_turn__full_at__isnull=False).exists()


def online_cancel_open(trip, now):
    """Whether a client may still cancel a paid reservation of `trip` online (and be
    refunded in full, the station's rule): until REFUND_CUTOFF_MINUTES before a timed
    departure; until its vehicle is marked full or sent for a depart-when-full louage."""
    if trip.kind == TripKind.QUEUE:
        return not queue_vehicle_closed(trip)
    return now <= refund_deadline(trip)


@dataclass(frozen=True)
class CancelTerms:
    """What "Annuler" does for this user now: allowed or not, and the money that goes back."""

    allowed: bool
    refund: int  # millimes given back (0: nothing was paid, or nothing goes back)
    paid: int  # millimes paid
    method: str  # how it was paid ("" when unpaid)
    deadline: datetime | None  # until when a client may cancel a paid reservation online
    until_full: bool = False  # a depart-when-full louage: until its vehicle is full or sent
    online_open: bool = True  # a client may still cancel a paid one online now

    @property
    def refundable(self):
        return self.refund > 0

    @property
    def paid_in_cash(self):
        return self.method == "cash"


def cancel_terms(reservation, user, now=None):
    """The one reading of the cancellation rule (services._check_can_cancel enforces it):
    pending or confirmed reservations only; a client cancels its own, a paid one while
    online_cancel_open (then it is non-refundable online); the station's chief and admins
    always, refunding in full."""
    from louage.payments.models import Payment, PaymentStatus

    now = now or clock.now()
    trip = reservation.trip
    deadline = refund_deadline(trip)
    until_full = trip.kind == TripKind.QUEUE
    payment = (
        Payment.objects.filter(reservation=reservation, status=PaymentStatus.SUCCEEDED)
        .values("amount", "method")
        .first()
    )
    paid, method = (payment["amount"], payment["method"]) if payment else (0, "")
    terms = {"deadline": deadline, "until_full": until_full}
    terms["online_open"] = online_cancel_open(trip, now)
    live = reservation.status in (ReservationStatus.PENDING, ReservationStatus.CONFIRMED)
    role = getattr(user, "role", None)
    manager = role == Role.ADMIN or (role == Role.CHIEF and trip.origin.chief_id == user.pk)
    own = role == Role.CLIENT and reservation.client_id == user.pk
    if not live or not (manager or own):
        return CancelTerms(False, 0, paid, method, **terms)
    if own and reservation.status == ReservationStatus.CONFIRMED and not terms["online_open"]:
        return CancelTerms(False, 0, paid, method, **terms)
    return CancelTerms(True, paid, paid, method, **terms)


PAYMENT_ABANDONED = "abandoned"


def received_payment(reservation):
    """The reservation's payment that was received (at most one, by a partial unique index)."""
    from louage.payments.models import PaymentStatus

    return (
        reservation.payments.filter(status__in=[PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED])
        .order_by("-pk")
        .first()
    )


def payment_rows(reservation):
    """The reservation's payments, newest first, each with `display_status`: a gateway visit
    that never came back reads "abandoned" once another attempt followed it or the
    reservation stopped waiting for payment, never "En cours" for ever."""
    from django.utils.translation import gettext as _

    from louage.payments.models import PaymentStatus

    rows = list(reservation.payments.order_by("-created_at", "-pk"))
    waiting = reservation.status == ReservationStatus.PENDING and (
        reservation.expires_at is None or reservation.expires_at > clock.now()
    )
    for index, payment in enumerate(rows):
        payment.display_status = payment.status
        payment.display_label = payment.get_status_display()
        if payment.status == PaymentStatus.PENDING and (index > 0 or not waiting):
            payment.display_status = PAYMENT_ABANDONED
            payment.display_label = _("Abandonné")
    return rows


# --- a station's day ------------------------------------------------------------------------


@dataclass
class StationDay:
    day: object
    trips: list  # each with .sold, .held, .boarded (seats)
    by_destination: list  # [(destination Station, [still to leave], [departed or cancelled])]
    next_trip: object  # the next scheduled departure still to leave, or None
    totals: dict


def station_day(station, day):
    """The station's departures of one day with seats sold, held, boarded and free, grouped
    by destination (soonest first), and the next one to leave."""
    from louage.core.times import day_bounds
    from louage.trips.models import TripStatus
    from louage.trips.selectors import with_relations

    start, end = day_bounds(day)
    trips = list(
        with_relations(
            Trip.objects.filter(origin=station, departure__gte=start, departure__lt=end)
        ).order_by("departure", "pk")
    )
    counts = {
        row["trip_id"]: row
        for row in Reservation.objects.filter(trip__in=[t.pk for t in trips])
        .values("trip_id")
        .annotate(
            sold=Sum(
                "seats",
                filter=Q(status__in=[ReservationStatus.CONFIRMED, ReservationStatus.BOARDED]),
            ),
            held=Sum("seats", filter=Q(status=ReservationStatus.PENDING)),
            boarded=Sum("seats", filter=Q(status=ReservationStatus.BOARDED)),
        )
    }
    groups = {}
    totals = {"departures": 0, "sold": 0, "held": 0, "boarded": 0, "free": 0}
    now = clock.now()
    next_trip = None
    for trip in trips:
        row = counts.get(trip.pk, {})
        trip.sold, trip.held, trip.boarded = (row.get(k) or 0 for k in ("sold", "held", "boarded"))
        group = groups.setdefault(trip.destination_id, (trip.destination, [], []))
        group[1 if trip.status == TripStatus.SCHEDULED else 2].append(trip)
        if trip.status != TripStatus.CANCELLED:
            totals["departures"] += 1
            totals["sold"] += trip.sold
            totals["held"] += trip.held
            totals["boarded"] += trip.boarded
            totals["free"] += trip.seats_available if trip.status == TripStatus.SCHEDULED else 0
        if next_trip is None and trip.status == TripStatus.SCHEDULED and trip.departure >= now:
            next_trip = trip
    # Destinations with a departure still to come first, soonest first; then the others.
    by_destination = sorted(
        groups.values(),
        key=lambda g: (0, g[1][0].departure.timestamp(), "") if g[1] else (1, 0, g[0].city),
    )
    return StationDay(day, trips, by_destination, next_trip, totals)
