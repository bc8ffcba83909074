"""Reservations: hold, confirm, sell at the desk, cancel, expire, board.

Seats move only through conditional UPDATEs on the trip row
(`seats_available = seats_available ± n WHERE …`), and a reservation changes status only
through a conditional UPDATE on its expected current status, so concurrent requests can
never take the same seat twice nor give seats back twice. Locks are always taken in the
same order — client row, trip row, reservation rows — so PostgreSQL never deadlocks.

Depart-when-full queues (louage.queues) place a reservation on the first vehicle of the queue
with enough free seats and take them here with the same conditional UPDATE. Their order is
client row → queue row → trip rows (queue order, each before its reservations) → reservation
rows → payment rows: the queue row sits between the client and the trips, and no path that
holds a trip or reservation lock ever asks for a queue.

Every row lock is FOR NO KEY UPDATE (`no_key=True`): services exclude one another as with
FOR UPDATE, but the KEY SHARE locks that PostgreSQL takes on a referenced row when another
transaction inserts a row pointing at it (the relay writing a notification for the client,
a sales row for the trip) neither wait for them nor make them wait. With FOR UPDATE the relay
(sales row: trip, then notification: client) and a booking (client, then trip) deadlocked.
"""

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Max, Q, Sum, Value
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from louage.accounts.models import Role, User
from louage.core import clock
from louage.core.audit import audit
from louage.core.db import RunAgain, runs_again_when_asked, transactional
from louage.core.errors import InvalidTransition, NotAllowed, NotFound
from louage.core.errors import field_error as _invalid
from louage.core.prepared import Prepared, PreparedUpdate
from louage.core.times import format_moment
from louage.core.validators import normalize_tunisian_phone
from louage.trips.durations import with_route_minutes
from louage.trips.models import Trip, TripKind, TripStatus

from .errors import (
    HoldCooldown,
    HoldExpired,
    NotEnoughSeats,
    PhoneRequired,
    RefundCutoff,
    TooManyHeldSeats,
    TooManyHolds,
    TripNotBookable,
)
from .event_data import record_reservation_event
from .models import TRANSITIONS, WALK_IN_NAME, Reservation, ReservationStatus
from .selectors import (
    online_cancel_open,
    refund_deadline,
    seats_consistency,  # noqa: F401  (tests and callers use services.seats_consistency)
)

logger = logging.getLogger("louage.booking")

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out at a desk
MAX_SEATS = 8
S = ReservationStatus


def _new_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def _check_seats(seats):
    if not isinstance(seats, int) or isinstance(seats, bool) or not 1 <= seats <= MAX_SEATS:
        raise _invalid(
            "seats", _("Le nombre de places doit être entre 1 et %(n)s.") % {"n": MAX_SEATS}
        )
    return seats


def _check_passenger(passenger_name, passenger_phone):
    name = (passenger_name or "").strip()
    if not name or len(name) > 150:
        raise _invalid("passenger_name", _("Saisissez le nom du voyageur."))
    try:
        phone = normalize_tunisian_phone(passenger_phone)
    except Exception as exc:
        raise _invalid("passenger_phone", exc.messages[0]) from None
    return name, phone


def _locked_trips(timing):
    # of=("self",): lock the trip row only. Without it PostgreSQL also locks the joined
    # station and vehicle rows, so A→B and B→A bookings deadlock and every booking of a
    # station waits for every other.
    trips = Trip.objects.select_for_update(no_key=True, of=("self",)).select_related(
        "origin", "destination", "vehicle"
    )
    # timing: the route's duration in the same query, as the answer shows the arrival.
    return with_route_minutes(trips) if timing else trips


# Compiled once per database: every booking and desk sale runs it.
_LOCKED_CLIENT = Prepared(
    lambda client_id: (
        User.objects.select_for_update(no_key=True).filter(pk=client_id).values_list("pk")
    )
)
_LOCKED_TRIP = {
    timing: Prepared(lambda trip_id, timing=timing: _locked_trips(timing).filter(pk=trip_id))
    for timing in (False, True)
}


def _lock_trip(trip_id, *, timing=False):
    trip = _LOCKED_TRIP[timing].first(trip_id)
    if trip is None:
        raise NotFound(_("Départ introuvable."))
    return trip


# Compiled once per database: every booking runs it.
_TAKE_SEATS = PreparedUpdate(
    lambda trip_id, seats: (
        Trip.objects.filter(pk=trip_id, status=TripStatus.SCHEDULED, seats_available__gte=seats),
        {"seats_available": F("seats_available") - seats},
    )
)


def _take_seats(trip, seats):
    """Take `seats` from the trip in one conditional UPDATE; NotEnoughSeats when short."""
    if _TAKE_SEATS.run(trip.pk, seats):
        trip.seats_available -= seats  # the locked row's copy stays true for the answer
        return
    left = Trip.objects.filter(pk=trip.pk).values_list("seats_available", flat=True).first() or 0
    raise NotEnoughSeats(
        ngettext(
            "Il reste %(left)s place libre sur ce départ : impossible d'en réserver %(asked)s.",
            "Il reste %(left)s places libres sur ce départ : impossible d'en réserver %(asked)s.",
            left,
        )
        % {"left": left, "asked": seats}
    )


def _give_back(trip_id, seats):
    Trip.objects.filter(pk=trip_id).update(seats_available=F("seats_available") + seats)


def _move(reservation, to, **fields):
    """Move to `to` only from a status that allows it and that the row still has.
    Returns the previous status, or raises InvalidTransition."""
    allowed_from = [status for status, targets in TRANSITIONS.items() if to in targets]
    current = reservation.status
    if current not in allowed_from:
        raise InvalidTransition(
            _("Impossible : la réservation est « %(status)s ».") % {"status": S(current).label}
        )
    changed = Reservation.objects.filter(pk=reservation.pk, status=current).update(
        status=to, **fields
    )
    if not changed:
        raise InvalidTransition(_("La réservation vient de changer d'état ; rechargez la page."))
    reservation.status = to
    for name, value in fields.items():
        setattr(reservation, name, value)
    return current


def _create_reservation(**fields):
    """The code is random; a collision with an existing one (about one in 10^12 per stored
    code) draws again. Inside a transaction `transactional` can run again, the collision
    asks for that: no savepoint (two more round trips on PostgreSQL) on every booking for it."""
    if runs_again_when_asked():
        try:
            return Reservation.objects.create(code=_new_code(), **fields)
        except IntegrityError as exc:
            if _code_taken(exc):
                raise RunAgain from exc
            raise
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Reservation.objects.create(code=_new_code(), **fields)
        except IntegrityError as exc:
            if not _code_taken(exc):
                raise
    raise RuntimeError("could not draw a unique reservation code")


def _code_taken(exc):
    # PostgreSQL names the constraint, SQLite the column.
    constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None) or ""
    return "code" in constraint or "booking_reservation.code" in str(exc)


def _is_chief_of(user, trip):
    return getattr(user, "role", None) == Role.CHIEF and trip.origin.chief_id == user.pk


REMINDER_BEFORE = timedelta(minutes=3)


@transactional
def remind_expiring_holds():
    """Holds that run out within REMINDER_BEFORE get one reminder each (an internal event the
    notifications turn into a message). Run by the sweeper with the expiry itself: no task
    row per hold on the booking path. Returns how many were reminded."""
    now = clock.now()
    due = list(
        Reservation.objects.select_for_update(no_key=True, skip_locked=True)
        .filter(status=S.PENDING, reminded_at__isnull=True, client__isnull=False,
                expires_at__gt=now, expires_at__lte=now + REMINDER_BEFORE,
                created_at__lte=now - REMINDER_BEFORE)  # a hold too short to need one: none
    )  # fmt: skip
    reminded = 0
    for reservation in due:
        if Reservation.objects.filter(pk=reservation.pk, reminded_at__isnull=True).update(
            reminded_at=now
        ):
            record_reservation_event("reservation.expiring", reservation)
            reminded += 1
    return reminded


def _check_not_queue(trip):
    # A depart-when-full vehicle is booked through its queue, which picks the vehicle.
    if trip.kind == TripKind.QUEUE:
        raise TripNotBookable(
            _("Ce louage part quand il est complet : réservez « le prochain louage » de sa file."),
            code="book_the_queue",
        )


# --- expiry -----------------------------------------------------------------------------------


def _expire_locked(reservation, now, station_id):
    """Expire one pending reservation whose hold is over; the trip row must be locked."""
    try:
        _move(reservation, S.EXPIRED, expired_at=now)
    except InvalidTransition:
        return False
    _give_back(reservation.trip_id, reservation.seats)
    audit(actor=None, action="reservation.expired", obj=reservation, station_id=station_id)
    record_reservation_event("reservation.expired", reservation)
    return True


def _expire_on_locked_trip(trip, now):
    """expire_stale_holds for one trip whose row the caller has locked (no savepoint)."""
    stale = Reservation.objects.filter(status=S.PENDING, expires_at__lte=now, trip_id=trip.pk)
    return sum(
        _expire_locked(reservation, now, trip.origin_id)
        for reservation in stale.select_for_update(no_key=True)
    )


@transactional
def expire_stale_holds(*, trip=None):
    """Expire every pending reservation past `expires_at` (of one trip, or all) and give its
    seats back. Safe to run from many processes at once. Returns how many expired."""
    now = clock.now()
    stale = Reservation.objects.filter(status=S.PENDING, expires_at__lte=now)
    if trip is not None:
        stale = stale.filter(trip_id=trip.pk)
    expired = 0
    for trip_id in sorted(set(stale.values_list("trip_id", flat=True))):
        origin_id = (
            Trip.objects.select_for_update(no_key=True)
            .filter(pk=trip_id)
            .values_list("origin_id", flat=True)
            .first()
        )
        for reservation in stale.filter(trip_id=trip_id).select_for_update(no_key=True):
            expired += _expire_locked(reservation, now, origin_id)
    return expired


# --- reserving ----------------------------------------------------------------------------------


def booking_close(trip):
    """Online booking (and paying) stops at this time; the desk sells until departure."""
    return trip.departure - timedelta(minutes=settings.BOOKING_CLOSES_MINUTES)


def check_bookable(trip, now, *, desk=False):
    """A departure takes bookings and payments while it is scheduled (not sent, not cancelled)
    and, online, before its booking close (the desk sells until the departure hour). A queue
    departure has no hour: it is bookable until it leaves. Raises TripNotBookable."""
    if trip.status != TripStatus.SCHEDULED:
        raise TripNotBookable(_("Ce départ est annulé ou déjà parti."))
    if trip.kind == TripKind.QUEUE:
        return
    if desk and trip.departure <= now:
        raise TripNotBookable(_("Ce départ est annulé ou déjà parti."))
    if not desk and booking_close(trip) <= now:
        raise TripNotBookable(
            _("La réservation en ligne ferme %(n)s minutes avant le départ : voyez le guichet.")
            % {"n": settings.BOOKING_CLOSES_MINUTES}
        )


def hold_expiry(trip, now):
    """A hold lasts HOLD_MINUTES, and never past its departure's booking close."""
    return min(now + timedelta(minutes=settings.HOLD_MINUTES), booking_close(trip))


def _hold_counts(client_id, trip_id, now, day_ago):
    """One row: the client's live holds and seats, the holds that ran out unpaid within a day
    (pending ones past their time count too, swept or not yet) and the last of them, and how
    many holds of `trip_id` (anyone's) wait to be expired."""
    live = Q(status=S.PENDING, expires_at__gt=now)
    ran_out = (Q(status=S.EXPIRED) | Q(status=S.PENDING, expires_at__lte=now)) & Q(
        expires_at__gt=day_ago
    )
    mine = Q(client_id=client_id)
    stale = Q(trip_id=trip_id, status=S.PENDING, expires_at__lte=now)
    return (
        Reservation.objects.filter(Q(client_id=client_id, expires_at__gt=day_ago) | stale)
        .order_by()
        .values(one=Value(1))  # a constant "group": one row of aggregates, even over no rows
        .annotate(
            holds=Count("pk", filter=mine & live),
            seats=Sum("seats", filter=mine & live),
            ran_out=Count("pk", filter=mine & ran_out),
            last_ran_out=Max("expires_at", filter=mine & ran_out),
            stale=Count("pk", filter=stale),
        )
        .values_list("one", "holds", "seats", "ran_out", "last_ran_out", "stale")
    )


_HOLD_COUNTS = Prepared(_hold_counts)


def _check_may_hold(client, seats, now, *, trip_id=None):
    """One account cannot block departures: a confirmed address (BOOKING_REQUIRES_VERIFIED),
    at most MAX_PENDING_HOLDS holds and MAX_HELD_SEATS seats unpaid at once, and a pause
    after HOLD_COOLDOWN_AFTER_EXPIRED holds ran out unpaid within a day. The caller holds
    the client's row lock (or SQLite's write lock), so two tabs cannot race past the counts.
    Returns how many holds of `trip_id` wait to be expired (in the same query: expiring
    them changes none of the counts, as a hold past its time counts as run out either way)."""
    from louage.accounts.services import is_verified

    if settings.BOOKING_REQUIRES_VERIFIED and not is_verified(client):
        raise NotAllowed(
            _("Confirmez d'abord votre adresse e-mail (lien reçu à l'inscription) pour réserver."),
            code="email_unverified",
        )
    _one, holds, seats_held, ran_out, last_ran_out, stale = _HOLD_COUNTS.first(
        client.pk, trip_id or 0, now, now - timedelta(days=1)
    )
    held = {"holds": holds, "seats": seats_held, "ran_out": ran_out, "last_ran_out": last_ran_out}
    if held["holds"] >= settings.MAX_PENDING_HOLDS:
        raise TooManyHolds(
            _(
                "Vous avez déjà %(n)s réservations en attente de paiement : payez-en ou annulez-en une d'abord."
            )
            % {"n": held["holds"]}
        )
    if (held["seats"] or 0) + seats > settings.MAX_HELD_SEATS:
        raise TooManyHeldSeats(
            ngettext(
                "Vous retenez déjà %(held)s place non payée : au plus %(max)s à la fois. "
                "Payez ou annulez une réservation en attente d'abord.",
                "Vous retenez déjà %(held)s places non payées : au plus %(max)s à la fois. "
                "Payez ou annulez une réservation en attente d'abord.",
                held["seats"] or 0,
            )
            % {"held": held["seats"] or 0, "max": settings.MAX_HELD_SEATS}
        )
    threshold = settings.HOLD_COOLDOWN_AFTER_EXPIRED
    if threshold <= 0 or held["ran_out"] < threshold:
        return stale
    until = held["last_ran_out"] + timedelta(minutes=settings.HOLD_COOLDOWN_MINUTES)
    if until > now:
        minutes = max(1, int((until - now).total_seconds() // 60) + 1)
        error = HoldCooldown(
            ngettext(
                "Vos %(n)s dernières réservations ont expiré sans paiement : vous pourrez réserver "
                "de nouveau dans %(minutes)s minute, ou achetez votre place au guichet.",
                "Vos %(n)s dernières réservations ont expiré sans paiement : vous pourrez réserver "
                "de nouveau dans %(minutes)s minutes, ou achetez votre place au guichet.",
                minutes,
            )
            % {"n": threshold, "minutes": minutes}
        )
        error.retry_after = int((until - now).total_seconds()) + 1
        raise error
    return stale


@transactional
def reserve_seats(*, trip, client, seats):
    """Hold `seats` for a client until `hold_expiry`. The price comes from the trip, never the
    client. Raises NotEnoughSeats, TripNotBookable, TooManyHolds, TooManyHeldSeats,
    HoldCooldown, NotAllowed (unconfirmed address), PhoneRequired (no phone number on the
    account yet), InvalidInput."""
    seats = _check_seats(seats)
    if getattr(client, "role", None) != Role.CLIENT:
        raise NotAllowed(_("Seuls les voyageurs réservent en ligne ; le guichet vend sur place."))
    if not client.phone:
        raise PhoneRequired()
    if connection.features.has_select_for_update:
        # One hold at a time per client (the limits count them). SQLite needs no row lock:
        # its IMMEDIATE transactions already run writers one at a time.
        _LOCKED_CLIENT.all(client.pk)
    trip = _lock_trip(trip.pk, timing=True)
    _check_not_queue(trip)
    now = clock.now()
    check_bookable(trip, now)
    if _check_may_hold(client, seats, now, trip_id=trip.pk):
        _expire_on_locked_trip(trip, now)
        trip.refresh_from_db(fields=["seats_available"])  # seats given back by the expiry
    _take_seats(trip, seats)
    reservation = _create_reservation(
        trip=trip,
        client=client,
        seats=seats,
        total_price=seats * trip.price,
        status=S.PENDING,
        expires_at=hold_expiry(trip, now),
    )
    audit(
        actor=client,
        action="reservation.created",
        obj=reservation,
        station_id=trip.origin_id,
        seats=seats,
    )
    record_reservation_event("reservation.created", reservation, as_written=True)
    return reservation


@transactional
def sell_at_desk(*, trip, seats, passenger_name, passenger_phone="", by):
    """The chief sells seats to a walk-in traveller: confirmed at once, paid in cash."""
    from louage.payments.services import create_cash_payment

    seats = _check_seats(seats)
    name, phone = _check_passenger(passenger_name, passenger_phone)
    trip = _lock_trip(trip.pk)
    if not _is_chief_of(by, trip):
        raise NotAllowed(_("Seul le chef de la station de départ vend au guichet."))
    _check_not_queue(trip)
    now = clock.now()
    check_bookable(trip, now, desk=True)
    expire_stale_holds(trip=trip)
    _take_seats(trip, seats)
    reservation = _create_reservation(
        trip=trip,
        passenger_name=name,
        passenger_phone=phone,
        seats=seats,
        total_price=seats * trip.price,
        status=S.CONFIRMED,
        confirmed_at=now,
        sold_by=by,
    )
    payment = create_cash_payment(reservation=reservation, by=by)
    audit(
        actor=by,
        action="reservation.desk_sale",
        obj=reservation,
        station_id=trip.origin_id,
        seats=seats,
        payment=payment.pk,
        amount=payment.amount,
    )
    record_reservation_event("reservation.created", reservation)
    return reservation


# --- confirming -------------------------------------------------------------------------------


def _expire_if_stale(reservation):
    """Expire this trip's stale holds in a transaction of their own, so the expiry stays
    even when the caller then refuses the late confirmation."""
    expire_stale_holds(trip=Trip(pk=reservation.trip_id))
    if Reservation.objects.filter(pk=reservation.pk, status=S.EXPIRED).exists():
        raise HoldExpired()


def confirm_reservation(*, reservation, payment=None):
    """A pending reservation whose online payment succeeded becomes confirmed (payment entry
    point). A hold past its expiry — which is never after booking closes — raises
    HoldExpired, a departure sent or cancelled meanwhile TripNotBookable, and the payment
    layer refunds: no seat is confirmed late, nor on a vehicle that left."""
    _expire_if_stale(reservation)
    return _confirm_paid(reservation.pk, payment)


@transactional
def _confirm_paid(reservation_id, payment):
    reservation = Reservation.objects.get(pk=reservation_id)
    trip = _lock_trip(reservation.trip_id)
    reservation = Reservation.objects.select_for_update(no_key=True).get(pk=reservation_id)
    now = clock.now()
    if reservation.status == S.PENDING and reservation.expires_at <= now:
        raise HoldExpired()  # ran out between the sweep and the lock
    check_bookable(trip, now)  # under the trip's lock: a departure being sent waits or wins
    _move(reservation, S.CONFIRMED, confirmed_at=now)
    audit(actor=None, action="reservation.confirmed", obj=reservation, station_id=trip.origin_id,
          payment=payment.pk if payment else None)  # fmt: skip
    record_reservation_event("reservation.confirmed", reservation)
    return reservation


def record_cash_payment(*, reservation, by):
    """The chief of the departure's station takes cash at the desk and confirms. Once only."""
    if not _is_chief_of(by, Trip.objects.select_related("origin").get(pk=reservation.trip_id)):
        raise NotAllowed(_("Seul le chef de la station de départ encaisse au guichet."))
    _expire_if_stale(reservation)
    return _confirm_with_cash(reservation.pk, by)


@transactional
def _confirm_with_cash(reservation_id, by):
    from louage.payments.services import create_cash_payment

    reservation = Reservation.objects.get(pk=reservation_id)
    trip = _lock_trip(reservation.trip_id)
    reservation = Reservation.objects.select_for_update(no_key=True).get(pk=reservation_id)
    check_bookable(trip, clock.now(), desk=True)
    _move(reservation, S.CONFIRMED, confirmed_at=clock.now())
    payment = create_cash_payment(reservation=reservation, by=by)
    audit(actor=by, action="reservation.confirmed", obj=reservation, station_id=trip.origin_id,
          payment=payment.pk)  # fmt: skip
    record_reservation_event("reservation.confirmed", reservation)
    return reservation


# --- cancelling -------------------------------------------------------------------------------


def _check_can_cancel(reservation, trip, by, now):
    role = getattr(by, "role", None)
    if role == Role.ADMIN or _is_chief_of(by, trip):
        return
    if role == Role.CLIENT and reservation.client_id == by.pk:
        if reservation.status != S.CONFIRMED or online_cancel_open(trip, now):
            return
        if trip.kind == TripKind.QUEUE:
            raise RefundCutoff(
                _(
                    "Ce louage est complet ou parti : l'annulation en ligne n'est plus possible. Adressez-vous au guichet."
                )
            )
        cutoff = refund_deadline(trip)
        raise RefundCutoff(
            _(
                "Annulation en ligne possible jusqu'à %(when)s (%(n)s minutes avant le départ) : adressez-vous au guichet."
            )
            % {"when": format_moment(cutoff), "n": settings.REFUND_CUTOFF_MINUTES}
        )
    raise NotAllowed()


# Why a reservation was cancelled, for its event (subscribers tell the traveller accordingly).
CANCEL_REASONS = {
    "trip cancelled": "trip_cancelled",
    "vehicle departed": "vehicle_departed",
    "payment refund": "refund_requested",
}


def _cancel_locked(reservation, by, now, reason=""):
    previous = _move(
        reservation,
        S.CANCELLED,
        cancelled_at=now,
        cancelled_by=by if getattr(by, "pk", None) else None,
    )
    _give_back(reservation.trip_id, reservation.seats)
    refunded = None
    if previous == S.CONFIRMED:
        from louage.payments.services import refund_reservation_payment

        refunded = refund_reservation_payment(reservation=reservation, by=by)
    audit(actor=by, action="reservation.cancelled", obj=reservation, station_id=reservation.trip.origin_id,
          previous=previous, refunded=refunded.pk if refunded else None, reason=reason[:200])  # fmt: skip
    record_reservation_event(
        "reservation.cancelled", reservation, refunded=refunded is not None,
        reason=CANCEL_REASONS.get(reason, "cancelled"),
    )  # fmt: skip
    return refunded


@transactional
def cancel_reservation(*, reservation, by, reason=""):
    """Cancel a pending or confirmed reservation: its seats go back at once and a paid one is
    refunded. The client cancels its own (a paid one while selectors.online_cancel_open:
    until REFUND_CUTOFF_MINUTES before departure, or until a queue vehicle is full or sent); the chief of the departure's station and admins cancel any."""
    trip = _lock_trip(reservation.trip_id)
    reservation = (
        Reservation.objects.select_for_update(no_key=True, of=("self",))
        .select_related("trip__origin")
        .get(pk=reservation.pk)
    )
    now = clock.now()
    _check_can_cancel(reservation, trip, by, now)
    refunded = _cancel_locked(reservation, by, now, reason)
    # What was given back, for the caller to say so (None when nothing had been paid).
    reservation.refunded_payment = refunded
    return reservation


@transaction.atomic
def cancel_reservations_of_trip(*, trip, by):
    """Hook of trips.services.cancel_trip (same transaction): cancel, refund and notify every
    pending or confirmed reservation of the departure."""
    _lock_trip(trip.pk)
    now = clock.now()
    cancelled = 0
    live = (
        Reservation.objects.select_for_update(no_key=True, of=("self",))
        .select_related("trip__origin")
        .filter(trip_id=trip.pk, status__in=[S.PENDING, S.CONFIRMED])
    )
    for reservation in live:
        _cancel_locked(reservation, by, now, reason="trip cancelled")
        cancelled += 1
    return cancelled


@transactional
def board_reservation(*, reservation, by):
    """Check-in at boarding: confirmed → boarded, by the chief of the departure's station."""
    trip = _lock_trip(reservation.trip_id)
    if not _is_chief_of(by, trip):
        raise NotAllowed(_("Ce billet est pour un départ d'une autre station."))
    reservation = Reservation.objects.select_for_update(no_key=True).get(pk=reservation.pk)
    if reservation.status == S.BOARDED:
        raise InvalidTransition(
            _("Ce billet a déjà été utilisé pour embarquer."), code="already_boarded"
        )
    _move(reservation, S.BOARDED, boarded_at=clock.now())
    audit(actor=by, action="reservation.boarded", obj=reservation, station_id=trip.origin_id)
    record_reservation_event("reservation.boarded", reservation)
    return reservation


# --- depart-when-full queues ------------------------------------------------------------------
# louage.queues locks the queue row and picks the vehicle; the seats are taken here, by the
# same conditional UPDATE as every other booking, one vehicle per reservation (never split).


def begin_queue_hold(*, client, seats):
    """An online hold's checks, made before the queue row is locked (lock order: client row
    first), the same as reserve_seats': a client account with a phone number, one hold at a
    time, and _check_may_hold (confirmed address, holds and seats held unpaid, cooldown)."""
    if getattr(client, "role", None) != Role.CLIENT:
        raise NotAllowed(_("Seuls les voyageurs réservent en ligne ; le guichet vend sur place."))
    if not client.phone:
        raise PhoneRequired()
    User.objects.select_for_update(no_key=True).filter(pk=client.pk).first()
    _check_may_hold(client, seats, clock.now())


def _lock_queue_trip(trip_id):
    trip = _lock_trip(trip_id)
    if trip.kind != TripKind.QUEUE or trip.status != TripStatus.SCHEDULED:
        raise TripNotBookable(_("Ce louage est déjà parti."))
    expire_stale_holds(trip=trip)
    return trip


@transactional
def hold_queue_seats(*, trip, client, seats):
    """Hold `seats` on this vehicle of a queue for HOLD_MINUTES, at its price (the official
    fare). Inside the queue's transaction, after begin_queue_hold. NotEnoughSeats when the
    vehicle has fewer free seats: the queue then tries the next one."""
    seats = _check_seats(seats)
    trip = _lock_queue_trip(trip.pk)
    _take_seats(trip, seats)
    now = clock.now()
    reservation = _create_reservation(
        trip=trip,
        client=client,
        seats=seats,
        total_price=seats * trip.price,
        status=S.PENDING,
        # HOLD_MINUTES, not hold_expiry(): a queue departure has no hour, hence no booking close.
        expires_at=now + timedelta(minutes=settings.HOLD_MINUTES),
    )
    audit(actor=client, action="reservation.created", obj=reservation, station_id=trip.origin_id,
          seats=seats, vehicle=trip.vehicle.plate)  # fmt: skip
    record_reservation_event("reservation.created", reservation)
    return reservation


@transactional
def sell_queue_seats(*, trip, seats, by, passenger_name="", passenger_phone="", walk_in=False):
    """The chief sells seats on this vehicle of a queue, paid in cash. A desk sale is confirmed
    (the traveller walks to the vehicle); a walk-in counted at the door is already on board."""
    from louage.payments.services import create_cash_payment

    seats = _check_seats(seats)
    if walk_in:
        name, phone = (passenger_name or WALK_IN_NAME).strip()[:150], ""
    else:
        name, phone = _check_passenger(passenger_name, passenger_phone)
    trip = _lock_queue_trip(trip.pk)
    if not (_is_chief_of(by, trip) or getattr(by, "role", None) == Role.ADMIN):
        raise NotAllowed(_("Seul le chef de la station de départ vend au guichet."))
    _take_seats(trip, seats)
    now = clock.now()
    state = {"status": S.CONFIRMED, "confirmed_at": now}
    if walk_in:
        state.update(status=S.BOARDED, boarded_at=now)
    reservation = _create_reservation(
        trip=trip,
        passenger_name=name,
        passenger_phone=phone,
        seats=seats,
        total_price=seats * trip.price,
        sold_by=by,
        **state,
    )
    payment = create_cash_payment(reservation=reservation, by=by)
    audit(actor=by, action="reservation.walk_in" if walk_in else "reservation.desk_sale",
          obj=reservation, station_id=trip.origin_id, seats=seats, vehicle=trip.vehicle.plate,
          payment=payment.pk, amount=payment.amount)  # fmt: skip
    record_reservation_event("reservation.created", reservation)
    return reservation


def no_shows_of(trip):
    """Travellers who booked online, paid, and have not boarded this vehicle."""
    return Reservation.objects.filter(
        trip_id=trip.pk, status=S.CONFIRMED, client__isnull=False, boarded_at__isnull=True
    )


def _release_no_show(reservation, by, now, refund):
    _move(
        reservation,
        S.CANCELLED,
        cancelled_at=now,
        cancelled_by=by if getattr(by, "pk", None) else None,
    )
    _give_back(reservation.trip_id, reservation.seats)
    refunded = None
    if refund:
        from louage.payments.services import refund_reservation_payment

        refunded = refund_reservation_payment(reservation=reservation, by=by)
    audit(actor=by, action="reservation.no_show", obj=reservation, station_id=reservation.trip.origin_id,
          seats=reservation.seats, refunded=refunded.pk if refunded else None)  # fmt: skip
    record_reservation_event(
        "reservation.cancelled", reservation, refunded=refunded is not None, reason="no_show"
    )
    return reservation


@transactional
def release_no_shows(*, trip, by, refund):
    """Give the seats of the no-shows of a queue vehicle back (a walk-in may take them); their
    fare is refunded when `refund`, else kept; each traveller is told. Returns them."""
    trip = _lock_trip(trip.pk)
    now = clock.now()
    released = []
    for reservation in (
        no_shows_of(trip).select_for_update(no_key=True, of=("self",)).select_related("trip")
    ):
        released.append(_release_no_show(reservation, by, now, refund))
    return released


def _end_unpaid_holds(trip, by, now):
    """Cancel the pending holds of a departure that left (trip row locked): their seats go
    back, their travellers are told, and a payment still on its way is refunded when its
    callback finds the reservation cancelled. Returns how many ended."""
    pending = (
        Reservation.objects.select_for_update(no_key=True, of=("self",))
        .select_related("trip__origin")
        .filter(trip_id=trip.pk, status=S.PENDING)
    )
    ended = 0
    for reservation in pending:
        _cancel_locked(reservation, by, now, reason="vehicle departed")
        ended += 1
    return ended


@transaction.atomic
def end_holds_of_departed_trip(*, trip, by):
    """Hook of trips.services.mark_departed (same transaction, trip row already updated): a
    scheduled departure sent, even early, takes no more payments. Returns how many ended."""
    trip = _lock_trip(trip.pk)
    return _end_unpaid_holds(trip, by, clock.now())


@transactional
def close_departed_queue_trip(*, trip, by, refund_no_shows):
    """After a queue vehicle left: unpaid holds on it are cancelled and their travellers told;
    online travellers who paid and did not board are no-shows (refunded when
    `refund_no_shows`). Desk sales and walk-ins stay as sold."""
    trip = _lock_trip(trip.pk)
    now = clock.now()
    _end_unpaid_holds(trip, by, now)
    for reservation in (
        no_shows_of(trip).select_for_update(no_key=True, of=("self",)).select_related("trip")
    ):
        _release_no_show(reservation, by, now, refund_no_shows)
