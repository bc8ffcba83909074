"""Check-in at boarding: the chief scans the QR (signed token) or types the reference."""

from datetime import timedelta

from django.db.models import Q
from django.utils.translation import gettext as _

from louage.accounts.models import Role
from louage.booking.models import Reservation, ReservationStatus
from louage.booking.services import board_reservation
from louage.core import clock
from louage.core.errors import Conflict, NotAllowed, NotFound
from louage.core.times import day_bounds, format_local, local_date, local_today
from louage.trips.models import Trip, TripKind, TripStatus
from louage.trips.selectors import STILL_AT_STATION_MINUTES

from .tokens import ExpiredTicket, ForgedTicket, looks_like_token, read_legacy_token, read_ticket

CODE_LENGTH = 8


class BoardingNeedsConfirmation(Conflict):
    """The ticket is good, but for another departure than the one boarding now: boarded only
    when the chief confirms (`confirm`)."""


def find_ticket(code_or_token):
    """A reservation from a scanned token or a typed reference code. A token is checked as
    the offline check does (signature, expiry); the database then has the last word."""
    value = (code_or_token or "").strip()
    if len(value) == CODE_LENGTH and value.isalnum():
        reservation = Reservation.objects.filter(code=value.upper()).first()
        if reservation is None:
            raise NotFound(_("Aucun billet ne porte cette référence."), code="unknown_ticket")
        return reservation
    try:
        if looks_like_token(value):
            ticket = read_ticket(value)
            lookup = {"code": ticket.code, "trip_id": ticket.trip_id}
        else:
            reservation_id, code = read_legacy_token(value)
            lookup = {"pk": reservation_id, "code": code}
    except ExpiredTicket as exc:
        raise Conflict(exc.reason, code="expired_ticket") from None
    except ForgedTicket as exc:
        raise Conflict(exc.reason, code="forged_ticket") from None
    reservation = Reservation.objects.filter(**lookup).first()
    if reservation is None:
        raise Conflict(_("Billet falsifié : réservation inconnue."), code="forged_ticket")
    return reservation


def trip_words(trip):
    """ "10:30 → Sousse (123 TU 4567)": how a chief names a departure at the door."""
    return _("%(time)s → %(destination)s (%(plate)s)") % {
        "time": format_local(trip.departure, "time"),
        "destination": trip.destination.local_city,
        "plate": trip.vehicle.plate,
    }


def boarding_first(trip):
    """The departure of the ticket's kind to its destination that leaves first from its
    station today: the loading louage for a queue ticket, else the soonest scheduled departure
    not long past. Queues and timetabled departures are separate lines at the door."""
    start, end = day_bounds(local_date(trip.departure))
    recent = clock.now() - timedelta(minutes=STILL_AT_STATION_MINUTES)
    return (
        Trip.objects.filter(
            origin_id=trip.origin_id,
            destination_id=trip.destination_id,
            kind=trip.kind,
            status=TripStatus.SCHEDULED,
            departure__gte=start,
            departure__lt=end,
        )
        .filter(Q(kind=TripKind.QUEUE) | Q(departure__gte=recent))
        .select_related("destination", "vehicle")
        .order_by("departure", "pk")
        .first()
    )


def _check_departure(trip, expected_trip):
    """Raise BoardingNeedsConfirmation when the ticket is not for the departure boarding now:
    the one the chief picked (`expected_trip`), or else the first to leave to its destination."""
    if expected_trip is not None and expected_trip.pk != trip.pk:
        raise BoardingNeedsConfirmation(
            _("Ce billet est pour le départ de %(ticket)s, pas pour celui-ci (%(boarding)s). "
              "Embarquer quand même ?")
            % {"ticket": trip_words(trip), "boarding": trip_words(expected_trip)},
            code="other_departure",
        )  # fmt: skip
    if expected_trip is None:
        first = boarding_first(trip)
        if first is not None and first.pk != trip.pk and first.departure <= trip.departure:
            raise BoardingNeedsConfirmation(
                _("Ce billet est pour le départ de %(ticket)s ; celui de %(first)s part avant. "
                  "Embarquer quand même ?")
                % {"ticket": trip_words(trip), "first": trip_words(first)},
                code="later_departure",
            )  # fmt: skip


def _expected_trip(trip_id, by):
    if trip_id is None:
        return None
    trip = (
        Trip.objects.select_related("destination", "vehicle")
        .filter(pk=trip_id, origin__chief_id=by.pk)
        .first()
    )
    if trip is None:
        raise NotFound(_("Ce départ n'est pas un départ de votre station."), code="unknown_trip")
    return trip


def check_in(*, code_or_token, by, expected_trip_id=None, confirm=False):
    """Board the ticket's traveller. Refused with the reason: another station's departure,
    another day, cancelled or refunded, not paid, already boarded, forged, expired. A ticket
    of another departure than the one boarding (`expected_trip`, else the first to leave to
    its destination) is boarded only with `confirm` (409 other_departure/later_departure)."""
    if getattr(by, "role", None) != Role.CHIEF:
        raise NotAllowed(_("Seul un chef de station contrôle les billets."))
    expected_trip = _expected_trip(expected_trip_id, by)
    reservation = find_ticket(code_or_token)
    trip = reservation.trip
    if trip.origin.chief_id != by.pk:
        raise Conflict(
            _("Ce billet est pour un départ d'une autre station (%(station)s).")
            % {"station": trip.origin.name},
            code="other_station",
        )
    if local_date(trip.departure) != local_today():
        raise Conflict(
            _("Ce billet est pour le %(day)s, pas pour aujourd'hui.")
            % {"day": format_local(trip.departure, "date")},
            code="other_day",
        )
    status = reservation.status
    if status == ReservationStatus.BOARDED:
        raise Conflict(
            _("Ce billet a déjà servi : le voyageur est embarqué."), code="already_boarded"
        )
    if status in (ReservationStatus.CANCELLED, ReservationStatus.EXPIRED):
        raise Conflict(_("Ce billet est annulé ou remboursé."), code="cancelled_ticket")
    if status == ReservationStatus.PENDING:
        raise Conflict(_("Cette réservation n'est pas payée."), code="unpaid_ticket")
    if not confirm:
        _check_departure(trip, expected_trip)
    return board_reservation(reservation=reservation, by=by)
