"""Depart-when-full queues: vehicles line up per destination at a station; the head one loads
(a trip of kind `queue`, priced at the official fare) and leaves when full or when the chief
sends it; the next one then loads at once, by itself.

Every change to a queue (a vehicle added, removed or moved; a booking, desk sale or walk-in
placed; the loading vehicle marked full, its no-shows released, sent) is one transaction that
first locks the queue row, so a queue's order, its loading vehicle and each vehicle's trip
change one transaction at a time. Seats are taken only by booking's conditional UPDATE
(`_take_seats`), one vehicle per reservation: a reservation is never split.

Lock order, in every transaction here:
    client row (online bookings only) → queue row → trip rows (the vehicle being sent or
    sold first; each before its reservations) → reservation rows → payment rows.
booking.services locks trip → reservation → payment and never asks for a queue row, so the
two never wait on each other in opposite orders.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from louage.accounts.models import Role
from louage.booking import services as booking
from louage.booking.errors import NotEnoughSeats
from louage.booking.models import Reservation
from louage.core import clock
from louage.core.audit import audit
from louage.core.db import transactional
from louage.core.errors import (
    Conflict,
    InvalidTransition,
    NotAllowed,
    NotFound,
    field_conflict,
    field_not_found,
)
from louage.core.errors import field_error as _invalid
from louage.stations.models import Station, Vehicle
from louage.stations.services import check_can_manage_station, normalize_plate, station_of
from louage.trips.event_data import record_trip_event
from louage.trips.models import Trip, TripKind, TripStatus
from louage.trips.services import away_minutes, clashing_trip, official_fare

from .models import LIVE_TURNS, NoShowFare, Queue, QueuedVehicle, StationQueuePolicy, TurnStatus

logger = logging.getLogger("louage.queues")


def grace_period():
    return timedelta(minutes=settings.QUEUE_NO_SHOW_MINUTES)


def _seats(value):
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= booking.MAX_SEATS:
        raise _invalid(
            "seats", _("Le nombre de places doit être entre 1 et %(n)s.") % {"n": booking.MAX_SEATS}
        )
    return value


def _lock_queue(queue_id):
    return (
        Queue.objects.select_for_update(no_key=True, of=("self",))
        .select_related("station", "destination")
        .get(pk=queue_id)
    )


def _check_desk(by, queue):
    """Cash is taken by the station's own chief at its desk (or an admin standing in)."""
    if getattr(by, "role", None) not in (Role.CHIEF, Role.ADMIN):
        raise NotAllowed(_("Seul le chef de la station vend et compte les voyageurs au guichet."))
    check_can_manage_station(by, queue.station_id)


def _live_turns(queue):
    """The vehicles of the queue in order: the loading one, then the waiting ones."""
    turns = QueuedVehicle.objects.filter(queue=queue, status__in=LIVE_TURNS).select_related(
        "vehicle", "trip"
    )
    return sorted(turns, key=lambda t: (t.status != TurnStatus.LOADING, t.position, t.pk))


def _loading_turn(queue):
    turn = (
        QueuedVehicle.objects.filter(queue=queue, status=TurnStatus.LOADING)
        .select_related("vehicle", "trip")
        .first()
    )
    if turn is None:
        raise Conflict(
            _("Aucun louage n'est en chargement dans cette file."), code="nothing_loading"
        )
    return turn


def _fare(queue):
    fare = official_fare(queue.station.city, queue.destination.city)
    if fare is None:
        raise Conflict(
            _(
                "Aucun tarif officiel pour %(origin)s → %(destination)s : l'administrateur doit le fixer."
            )
            % {"origin": queue.station.city, "destination": queue.destination.city},
            code="no_official_fare",
        )
    return fare


def _open_trip(queue, turn, now):
    """The vehicle's departure: its seats from the vehicle, its price the official fare."""
    trip = Trip.objects.create(
        kind=TripKind.QUEUE,
        origin_id=queue.station_id,
        destination_id=queue.destination_id,
        vehicle=turn.vehicle,
        departure=now,
        price=_fare(queue),
        seats_total=turn.vehicle.seats,
        seats_available=turn.vehicle.seats,
    )
    QueuedVehicle.objects.filter(pk=turn.pk).update(trip=trip)
    turn.trip, turn.trip_id = trip, trip.pk
    record_trip_event("trip.created", trip)
    return trip


def _start_loading(queue, now, by):
    """The first waiting vehicle loads when none does. Its travellers already booked are told."""
    if QueuedVehicle.objects.filter(queue=queue, status=TurnStatus.LOADING).exists():
        return None
    turn = (
        QueuedVehicle.objects.filter(queue=queue, status=TurnStatus.WAITING)
        .select_related("vehicle", "trip")
        .order_by("position", "pk")
        .first()
    )
    if turn is None:
        return None
    if turn.trip_id is None:
        _open_trip(queue, turn, now)
    else:
        # A queue trip's departure is when it started loading, then when it left.
        Trip.objects.filter(pk=turn.trip_id).update(departure=now)
    QueuedVehicle.objects.filter(pk=turn.pk).update(status=TurnStatus.LOADING, loading_since=now)
    audit(actor=by, action="queue.loading", obj=queue, station_id=queue.station_id,
          vehicle=turn.vehicle.plate, trip=turn.trip_id)  # fmt: skip
    # Internal event: the travellers already booked on this vehicle hear it loads now.
    record_trip_event("trip.loading", Trip(pk=turn.trip_id))
    return turn


def no_show_policy(station_id):
    return (
        StationQueuePolicy.objects.filter(station_id=station_id)
        .values_list("no_show_fare", flat=True)
        .first()
        or NoShowFare.KEEP
    )


# --- queues and their vehicles ------------------------------------------------------------------


@transactional
def create_queue(*, by, destination_id, station_id=None):
    """A chief opens a queue from its station to a destination (admins name the station).
    The route needs an official fare: queue departures take it as their price."""
    role = getattr(by, "role", None)
    if role == Role.CHIEF:
        station = station_of(by)
        if station is None:
            raise NotAllowed(_("Vous ne dirigez aucune station."))
    elif role == Role.ADMIN:
        station = (
            Station.objects.filter(pk=station_id, is_active=True).first() if station_id else None
        )
        if not station_id:
            raise _invalid("station_id", _("Choisissez la station de la file."))
        if station is None:
            raise field_not_found("station_id", _("Station de départ inconnue."))
    else:
        raise NotAllowed()
    destination = (
        Station.objects.filter(pk=destination_id, is_active=True).first()
        if destination_id
        else None
    )
    if destination is None:
        raise field_not_found("destination_id", _("Station d'arrivée inconnue."))
    if destination.pk == station.pk:
        raise _invalid("destination_id", _("L'arrivée doit être différente du départ."))
    if official_fare(station.city, destination.city) is None:
        message = _(
            "Aucun tarif officiel pour %(origin)s → %(destination)s : l'administrateur doit le fixer avant d'ouvrir la file."
        ) % {"origin": station.city, "destination": destination.city}
        raise field_conflict("destination_id", message, code="no_official_fare")
    try:
        with transaction.atomic():
            queue = Queue.objects.create(station=station, destination=destination)
    except IntegrityError:
        raise Conflict(
            _("Une file vers %(destination)s existe déjà dans cette station.")
            % {"destination": destination.name},
            code="queue_exists",
        ) from None
    audit(actor=by, action="queue.created", obj=queue, station_id=station.pk,
          destination=destination.name)  # fmt: skip
    return queue


def _vehicle_for(queue, vehicle_id, plate):
    if plate is not None:
        vehicle = Vehicle.objects.filter(plate=normalize_plate(plate)).first()
        field = "plate"
    else:
        vehicle = Vehicle.objects.filter(pk=vehicle_id).first() if vehicle_id else None
        field = "vehicle_id"
    if vehicle is None or vehicle.station_id != queue.station_id:
        raise field_not_found(field, _("Aucun véhicule de cette station ne porte cette immatriculation.")
                       if plate is not None else _("Choisissez un véhicule de la station."))  # fmt: skip
    if not vehicle.active:
        raise field_conflict(field, _("Ce véhicule est hors service."), code="vehicle_inactive")
    return vehicle


def _check_vehicle_available(vehicle, now, queue):
    queued = (
        QueuedVehicle.objects.filter(vehicle=vehicle, status__in=LIVE_TURNS)
        .select_related("queue__destination")
        .first()
    )
    if queued is not None:
        raise Conflict(
            _("Le véhicule %(plate)s est déjà dans la file vers %(destination)s.")
            % {"plate": vehicle.plate, "destination": queued.queue.destination.name},
            code="vehicle_already_queued",
        )
    # Joining now, it may leave at once: it must be back from a timed departure, and back
    # from this route before its next one.
    away = timedelta(minutes=away_minutes(queue.station, queue.destination))
    busy = clashing_trip(vehicle, now, away, kind=TripKind.SCHEDULED)
    if busy is not None:
        raise Conflict(
            _("Le véhicule %(plate)s a un départ programmé à %(when)s.")
            % {
                "plate": vehicle.plate,
                "when": timezone.localtime(busy.departure).strftime("%H:%M"),
            },
            code="vehicle_busy",
        )


@transactional
def add_vehicle(*, queue, by, vehicle_id=None, plate=None):
    """An arriving vehicle of the station joins the end of the queue (by id, or by plate at
    the desk); it loads at once when the queue had none loading. 409 when it is already
    queued or on a live departure."""
    queue = _lock_queue(queue.pk)
    check_can_manage_station(by, queue.station_id)
    vehicle = _vehicle_for(queue, vehicle_id, plate)
    now = clock.now()
    _check_vehicle_available(vehicle, now, queue)
    last = QueuedVehicle.objects.filter(queue=queue).aggregate(last=Max("position"))["last"]
    try:
        with transaction.atomic():
            turn = QueuedVehicle.objects.create(
                queue=queue, vehicle=vehicle, position=(last or 0) + 1, added_at=now,
                added_by=by if getattr(by, "pk", None) else None,
            )  # fmt: skip
    except IntegrityError:  # queued meanwhile in another station's queue
        raise Conflict(
            _("Le véhicule %(plate)s est déjà dans une file.") % {"plate": vehicle.plate},
            code="vehicle_already_queued",
        ) from None
    audit(actor=by, action="queue.vehicle_added", obj=queue, station_id=queue.station_id,
          vehicle=vehicle.plate)  # fmt: skip
    _start_loading(queue, now, by)
    return turn


@transactional
def remove_vehicle(*, queue, by, vehicle_id):
    """A vehicle leaves the queue without a departure (breakdown, driver gone). Refused while
    travellers hold seats on it: send it, or cancel their reservations first. When it was
    loading, the next vehicle loads."""
    queue = _lock_queue(queue.pk)
    check_can_manage_station(by, queue.station_id)
    turn = (
        QueuedVehicle.objects.filter(queue=queue, vehicle_id=vehicle_id, status__in=LIVE_TURNS)
        .select_related("vehicle")
        .first()
    )
    if turn is None:
        raise NotFound(_("Ce véhicule n'est pas dans cette file."))
    now = clock.now()
    if turn.trip_id is not None:
        booking.expire_stale_holds(trip=Trip(pk=turn.trip_id))
        # Seats on a queue trip are only taken under this queue's lock: none can appear now.
        emptied = Trip.objects.filter(
            pk=turn.trip_id, status=TripStatus.SCHEDULED, seats_available=F("seats_total")
        ).update(status=TripStatus.CANCELLED, cancelled_at=now)
        if not emptied:
            raise Conflict(
                _(
                    "Des voyageurs ont des places sur %(plate)s : envoyez-le ou annulez leurs réservations d'abord."
                )
                % {"plate": turn.vehicle.plate},
                code="vehicle_has_travellers",
            )
    QueuedVehicle.objects.filter(pk=turn.pk).update(status=TurnStatus.REMOVED, left_at=now)
    audit(actor=by, action="queue.vehicle_removed", obj=queue, station_id=queue.station_id,
          vehicle=turn.vehicle.plate)  # fmt: skip
    if turn.status == TurnStatus.LOADING:
        _start_loading(queue, now, by)
    return turn


@transactional
def reorder(*, queue, by, vehicle_ids):
    """Put the waiting vehicles in the given order. The loading vehicle stays at the head
    (it may be named first); every waiting vehicle must be named once."""
    queue = _lock_queue(queue.pk)
    check_can_manage_station(by, queue.station_id)
    turns = _live_turns(queue)
    loading = [t for t in turns if t.status == TurnStatus.LOADING]
    waiting = {t.vehicle_id: t for t in turns if t.status == TurnStatus.WAITING}
    ids = list(vehicle_ids or [])
    if any(not isinstance(v, int) or isinstance(v, bool) for v in ids):
        raise _invalid("vehicle_ids", _("Liste de véhicules invalide."))
    if loading and ids and ids[0] == loading[0].vehicle_id:
        ids = ids[1:]
    if len(set(ids)) != len(ids) or set(ids) != set(waiting):
        raise field_conflict(
            "vehicle_ids",
            _("Donnez chaque véhicule en attente une fois ; celui en chargement reste en tête."),
        )
    top = QueuedVehicle.objects.filter(queue=queue).aggregate(last=Max("position"))["last"] or 0
    for offset, vehicle_id in enumerate(ids, start=1):
        QueuedVehicle.objects.filter(pk=waiting[vehicle_id].pk).update(position=top + offset)
    audit(actor=by, action="queue.reordered", obj=queue, station_id=queue.station_id,
          plates=[waiting[v].vehicle.plate for v in ids])  # fmt: skip
    return queue


def move_vehicle(*, queue, by, vehicle_id, step):
    """The desk's ↑ / ↓ buttons: swap a waiting vehicle with its neighbour."""
    order = [t.vehicle_id for t in _live_turns(queue) if t.status == TurnStatus.WAITING]
    if vehicle_id not in order:
        raise NotFound(_("Ce véhicule n'attend pas dans cette file."))
    index = order.index(vehicle_id)
    other = index + (1 if step > 0 else -1)
    if 0 <= other < len(order):
        order[index], order[other] = order[other], order[index]
    return reorder(queue=queue, by=by, vehicle_ids=order)


# --- the loading vehicle --------------------------------------------------------------------------


@transactional
def mark_full(*, queue, by):
    """The chief declares the loading vehicle full: online sales go to the next vehicle, and
    the no-show grace period (QUEUE_NO_SHOW_MINUTES) starts."""
    queue = _lock_queue(queue.pk)
    check_can_manage_station(by, queue.station_id)
    turn = _loading_turn(queue)
    now = clock.now()
    if not QueuedVehicle.objects.filter(pk=turn.pk, full_at__isnull=True).update(full_at=now):
        raise InvalidTransition(_("Ce louage est déjà marqué complet."), code="already_full")
    turn.full_at = now
    audit(actor=by, action="queue.full", obj=queue, station_id=queue.station_id,
          vehicle=turn.vehicle.plate)  # fmt: skip
    transaction.on_commit(lambda: _schedule_no_show_release(turn))
    return turn


def _schedule_no_show_release(turn):
    from .tasks import release_no_shows_when_due

    try:
        release_no_shows_when_due.using(run_after=turn.full_at + grace_period()).enqueue(turn.pk)
    except Exception:  # the desk's button still releases them
        logger.exception("could not schedule the no-show release of queue turn %s", turn.pk)


@transactional
def release_no_shows(*, queue, by, turn_id=None):
    """Once the grace period after "full" is over, the seats of online travellers who paid
    and have not boarded go back (a walk-in may take them); their fare is kept or refunded
    by the station's policy and each is told. Returns the released reservations."""
    queue = _lock_queue(queue.pk)
    if by is not None:
        check_can_manage_station(by, queue.station_id)
    turn = _loading_turn(queue)
    if turn_id is not None and turn.pk != turn_id:
        return []  # a scheduled release for a vehicle that has already left
    if turn.full_at is None:
        raise Conflict(
            _("Marquez d'abord le louage complet : le délai de grâce des absents part de là."),
            code="not_full",
        )
    due = turn.full_at + grace_period()
    if clock.now() < due:
        raise Conflict(
            _("Délai de grâce : les places des absents se libèrent à %(time)s.")
            % {"time": timezone.localtime(due).strftime("%H:%M")},
            code="grace_period",
        )
    refund = no_show_policy(queue.station_id) == NoShowFare.REFUND
    released = booking.release_no_shows(trip=turn.trip, by=by, refund=refund)
    if released:
        audit(actor=by, action="queue.no_shows_released", obj=queue, station_id=queue.station_id,
              vehicle=turn.vehicle.plate, reservations=[r.code for r in released], refunded=refund)  # fmt: skip
    return released


def _depart(queue, turn, by):
    now = clock.now()
    if not Trip.objects.filter(pk=turn.trip_id, status=TripStatus.SCHEDULED).update(
        status=TripStatus.DEPARTED, departed_at=now, departure=now
    ):
        raise InvalidTransition(_("Ce louage est déjà parti."), code="already_departed")
    # Sent before the grace period was over (or never declared full): absent travellers had
    # no fair chance, so they are refunded whatever the station's policy.
    grace_over = turn.full_at is not None and now >= turn.full_at + grace_period()
    refund = not grace_over or no_show_policy(queue.station_id) == NoShowFare.REFUND
    booking.close_departed_queue_trip(trip=turn.trip, by=by, refund_no_shows=refund)
    trip = Trip.objects.get(pk=turn.trip_id)
    QueuedVehicle.objects.filter(pk=turn.pk).update(
        status=TurnStatus.DEPARTED, left_at=now, seats_sold=trip.seats_total - trip.seats_available
    )
    audit(actor=by, action="queue.departed", obj=queue, station_id=queue.station_id,
          vehicle=turn.vehicle.plate, trip=trip.pk, seats_sold=trip.seats_total - trip.seats_available,
          free_seats=trip.seats_available)  # fmt: skip
    record_trip_event("trip.departed", trip)
    _start_loading(queue, now, by)
    return trip


@transactional
def send_loading(*, queue, by):
    """The loading vehicle leaves (full, or early with free seats); the next one loads."""
    queue = _lock_queue(queue.pk)
    check_can_manage_station(by, queue.station_id)
    return _depart(queue, _loading_turn(queue), by)


@transactional
def depart_queue_trip(*, trip, by):
    """trips.services.mark_departed for a queue departure: only the loading vehicle leaves,
    once; the next one then loads."""
    turn = QueuedVehicle.objects.filter(trip_id=trip.pk).only("queue_id").first()
    if turn is None:
        raise InvalidTransition(_("Ce louage n'est dans aucune file."), code="not_loading")
    queue = _lock_queue(turn.queue_id)
    check_can_manage_station(by, queue.station_id)
    turn = QueuedVehicle.objects.select_related("vehicle", "trip").get(pk=turn.pk)
    if turn.status == TurnStatus.DEPARTED:
        raise InvalidTransition(_("Ce louage est déjà parti."), code="already_departed")
    if turn.status != TurnStatus.LOADING:
        raise InvalidTransition(
            _("Seul le louage en chargement, en tête de file, peut partir."), code="not_loading"
        )
    return _depart(queue, turn, by)


# --- selling seats --------------------------------------------------------------------------------


def _free_seats(turn):
    return turn.trip.seats_available if turn.trip_id else turn.vehicle.seats


def _place(queue, seats, take):
    """Take `seats` on the first vehicle of the queue that has them all free (the loading one
    unless declared full, then the waiting ones in order), never split. Returns the result
    of `take(trip)`; NotEnoughSeats when no vehicle of the queue has room.

    Free seats are read once, under the queue's lock: only this lock's holders take seats on
    a queue trip, so a vehicle read with room keeps it (seats may only come back meanwhile),
    and full vehicles are skipped without a lock or an UPDATE each."""
    now = clock.now()
    turns = _live_turns(queue)
    stale = set(
        Reservation.objects.filter(
            trip_id__in=[t.trip_id for t in turns if t.trip_id],
            status="pending",
            expires_at__lte=now,
        ).values_list("trip_id", flat=True)
    )
    if stale:  # holds past their time give their seats back first
        for trip_id in sorted(stale):
            booking.expire_stale_holds(trip=Trip(pk=trip_id))
        turns = _live_turns(queue)
    if not turns:
        raise NotEnoughSeats(
            _("Aucun louage n'attend dans cette file pour le moment : revenez plus tard."),
            code="queue_empty",
        )
    for turn in turns:
        if turn.status == TurnStatus.LOADING and turn.full_at is not None:
            continue
        if _free_seats(turn) < seats:
            continue
        opened = turn.trip_id is None
        try:
            with transaction.atomic():  # a refused vehicle leaves nothing behind
                if opened:
                    _open_trip(queue, turn, now)
                return take(turn.trip)
        except NotEnoughSeats:
            if opened:
                turn.trip, turn.trip_id = None, None
    raise NotEnoughSeats(
        _(
            "Aucun louage de la file n'a %(n)s places libres ensemble : une réservation ne se partage pas entre deux véhicules."
        )
        % {"n": seats}
    )


@transactional
def reserve_next_louage(*, queue, client, seats):
    """A client holds `seats` in "the next louage" of a queue for HOLD_MINUTES: on the loading
    vehicle, or on the next one with room when it has fewer free seats. The reservation's trip
    tells which vehicle."""
    seats = _seats(seats)
    booking.begin_queue_hold(client=client, seats=seats)
    queue = _lock_queue(queue.pk)
    return _place(
        queue, seats, lambda trip: booking.hold_queue_seats(trip=trip, client=client, seats=seats)
    )


@transactional
def sell_next_louage(*, queue, seats, passenger_name, passenger_phone="", by):
    """The chief sells seats at the desk in the next louage (same placement as online),
    confirmed and paid in cash."""
    seats = _seats(seats)
    queue = _lock_queue(queue.pk)
    _check_desk(by, queue)
    return _place(
        queue,
        seats,
        lambda trip: booking.sell_queue_seats(
            trip=trip,
            seats=seats,
            by=by,
            passenger_name=passenger_name,
            passenger_phone=passenger_phone,
        ),  # fmt: skip
    )


@transactional
def count_walk_in(*, queue, seats, by):
    """Travellers who got in at the door and paid cash: seats on the loading vehicle only
    (NotEnoughSeats when it has fewer free), boarded at once."""
    seats = _seats(seats)
    queue = _lock_queue(queue.pk)
    _check_desk(by, queue)
    turn = _loading_turn(queue)
    return booking.sell_queue_seats(trip=turn.trip, seats=seats, by=by, walk_in=True)


@transactional
def set_no_show_policy(*, station, by, no_show_fare):
    """The chief (or an admin) chooses whether a no-show's fare is kept or refunded."""
    check_can_manage_station(by, station.pk)
    if no_show_fare not in NoShowFare.values:
        raise _invalid("no_show_fare", _("Choisissez « conservé » ou « remboursé »."))
    policy, _created = StationQueuePolicy.objects.update_or_create(
        station=station, defaults={"no_show_fare": no_show_fare}
    )
    audit(actor=by, action="station.no_show_policy", obj=station, station_id=station.pk,
          no_show_fare=no_show_fare)  # fmt: skip
    return policy
