"""Check-in at boarding: the chief scans the QR (signed token) or types the reference."""

from django.utils.translation import gettext as _

from louage.accounts.models import Role
from louage.booking.models import Reservation, ReservationStatus
from louage.booking.services import board_reservation
from louage.core.errors import Conflict, NotAllowed, NotFound
from louage.core.times import format_local, local_date, local_today

from .tokens import ExpiredTicket, ForgedTicket, looks_like_token, read_legacy_token, read_ticket

CODE_LENGTH = 8


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


def check_in(*, code_or_token, by):
    """Board the ticket's traveller. Refused with the reason: another station's departure,
    another day, cancelled or refunded, not paid, already boarded, forged, expired."""
    if getattr(by, "role", None) != Role.CHIEF:
        raise NotAllowed(_("Seul un chef de station contrôle les billets."))
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
    return board_reservation(reservation=reservation, by=by)
