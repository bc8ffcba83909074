"""Queues as travellers, the desk and the API see them: vehicles in order with their free
seats, the official fare, and an estimated departure from the station's recent fill rate."""

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings

from louage.booking.models import Reservation, ReservationStatus
from louage.core import clock
from louage.trips import network
from louage.trips.models import Fare

from .models import LIVE_TURNS, Queue, QueuedVehicle, TurnStatus

# A queue's own history is used once it has this many recent departures; before, the
# station's (every queue of the station) stands in for it.
MIN_QUEUE_SAMPLES = 3


@dataclass
class TurnView:
    turn: QueuedVehicle
    rank: int  # 1 = the loading vehicle
    seats_available: int
    estimated_departure: datetime | None = None

    @property
    def vehicle(self):
        return self.turn.vehicle

    @property
    def trip(self):
        return self.turn.trip

    @property
    def is_loading(self):
        return self.turn.status == TurnStatus.LOADING

    @property
    def is_full(self):
        return self.turn.full_at is not None or self.seats_available == 0

    @property
    def no_shows_released_at(self):
        """When the seats of absent online travellers may go (QUEUE_NO_SHOW_MINUTES after full)."""
        if self.turn.full_at is None:
            return None
        return self.turn.full_at + timedelta(minutes=settings.QUEUE_NO_SHOW_MINUTES)


@dataclass
class QueueView:
    queue: Queue
    fare: int | None
    loading: TurnView | None = None
    waiting: list[TurnView] = field(default_factory=list)
    seats_per_minute: float | None = None
    travellers: list = field(default_factory=list)  # the loading vehicle's, for the desk

    @property
    def id(self):
        return self.queue.pk

    @property
    def estimated_departure(self):
        return self.loading.estimated_departure if self.loading else None

    @property
    def turns(self):
        return ([self.loading] if self.loading else []) + self.waiting

    @property
    def next_turn(self):
        """The vehicle a booking made now lands on (the loading one unless it is full)."""
        for view in self.turns:
            if not (view.is_loading and view.turn.full_at is not None) and view.seats_available:
                return view
        return None

    @property
    def next_free_seats(self):
        """Free seats a traveller can book now on the next vehicle that sells online."""
        return self.next_turn.seats_available if self.next_turn else 0

    @property
    def next_estimated_departure(self):
        """The estimate of the vehicle whose free seats the pages show: one estimate, the same
        on the queue, search, departure, reservation and ticket pages."""
        return self.next_turn.estimated_departure if self.next_turn else None

    @property
    def estimated_minutes(self):
        return minutes_until(self.next_estimated_departure)


def minutes_until(moment):
    if moment is None:
        return None
    return max(0, math.ceil((moment - clock.now()).total_seconds() / 60))


def fill_rates(station_ids, now):
    """{station_id: seats/minute} and {queue_id: seats/minute} over the recent departures
    (QUEUE_ESTIMATE_HOURS): seats sold divided by the minutes the vehicles spent loading."""
    since = now - timedelta(hours=settings.QUEUE_ESTIMATE_HOURS)
    samples = QueuedVehicle.objects.filter(
        queue__station_id__in=station_ids,
        status=TurnStatus.DEPARTED,
        left_at__gte=since,
        loading_since__isnull=False,
        seats_sold__gt=0,
    ).values_list("queue_id", "queue__station_id", "seats_sold", "loading_since", "left_at")
    per_station, per_queue = {}, {}
    for queue_id, station_id, seats, started, left in samples:
        minutes = max(1.0, (left - started).total_seconds() / 60)
        for bucket, key in ((per_station, station_id), (per_queue, queue_id)):
            total = bucket.setdefault(key, [0, 0.0, 0])
            total[0] += seats
            total[1] += minutes
            total[2] += 1
    station_rates = {key: seats / minutes for key, (seats, minutes, _n) in per_station.items()}
    queue_rates = {
        key: seats / minutes
        for key, (seats, minutes, n) in per_queue.items()
        if n >= MIN_QUEUE_SAMPLES
    }
    return station_rates, queue_rates


def _estimate(views, rate, now):
    """Each vehicle leaves once its free seats and those of the vehicles ahead are sold."""
    if not rate:
        return
    ahead = 0
    for view in views:
        if view.is_loading and view.is_full:
            view.estimated_departure = now
            continue
        ahead += view.seats_available
        view.estimated_departure = now + timedelta(minutes=round(ahead / rate))


def build_views(queues):
    """QueueViews for `queues` in three queries, whatever their number."""
    queues = list(queues)
    if not queues:
        return []
    now = clock.now()
    turns = (
        QueuedVehicle.objects.filter(queue__in=queues, status__in=LIVE_TURNS)
        .select_related("vehicle", "trip__origin", "trip__destination", "trip__vehicle")
        .order_by("position", "pk")
    )
    by_queue = {}
    for turn in turns:
        by_queue.setdefault(turn.queue_id, []).append(turn)
    routes = {(q.station.city, q.destination.city) for q in queues}
    fares = {
        (f.origin_city, f.destination_city): f.price
        for f in Fare.objects.filter(
            origin_city__in={r[0] for r in routes}, destination_city__in={r[1] for r in routes}
        )
    }
    station_rates, queue_rates = fill_rates({q.station_id for q in queues}, now)
    views = []
    for queue in queues:
        view = QueueView(queue=queue, fare=fares.get((queue.station.city, queue.destination.city)))
        ordered = sorted(
            by_queue.get(queue.pk, []), key=lambda t: (t.status != TurnStatus.LOADING, t.position)
        )
        for rank, turn in enumerate(ordered, start=1):
            free = turn.trip.seats_available if turn.trip_id else turn.vehicle.seats
            turn_view = TurnView(turn=turn, rank=rank, seats_available=free)
            if turn.status == TurnStatus.LOADING:
                view.loading = turn_view
            else:
                view.waiting.append(turn_view)
        view.seats_per_minute = queue_rates.get(queue.pk, station_rates.get(queue.station_id))
        _estimate(view.turns, view.seats_per_minute, now)
        views.append(view)
    return views


def _queues():
    return Queue.objects.select_related("station", "destination").order_by(
        "station__name", "destination__city", "destination__name", "pk"
    )


def search_queues(*, station_id=None, destination_id=None, origin=None, destination=None):
    """Queues of active stations, filtered by station ids or by a station id / city name."""
    queues = _queues().filter(station__is_active=True)
    if station_id:
        queues = queues.filter(station_id=station_id)
    if destination_id:
        queues = queues.filter(destination_id=destination_id)
    if not (origin or destination):
        return queues
    net = network.current()  # the stations index kept in memory, as the departures search
    origin_ids = net.resolve(origin)
    if origin_ids is not None:
        queues = queues.filter(station_id__in=origin_ids)
    destination_ids = net.resolve(destination)
    if destination_ids is not None:
        queues = queues.filter(destination_id__in=destination_ids)
    return queues


def queue_view(queue_id):
    queue = _queues().filter(pk=queue_id).first()
    return build_views([queue])[0] if queue else None


def queues_of_station(station):
    return _queues().filter(station=station)


def turn_of_trip(trip):
    """(QueueView, TurnView) of a queue trip still in its queue, else (None, None)."""
    turn = (
        QueuedVehicle.objects.filter(trip_id=trip.pk, status__in=LIVE_TURNS)
        .only("queue_id")
        .first()
    )
    if turn is None:
        return None, None
    view = queue_view(turn.queue_id)
    for turn_view in view.turns if view else []:
        if turn_view.turn.pk == turn.pk:
            return view, turn_view
    return view, None


def estimated_departure_of(trip):
    """The estimated departure of a depart-when-full trip's vehicle while it waits or loads;
    None for a timed departure, a vehicle gone, or a station without recent departures."""
    if getattr(trip, "kind", None) != "queue":
        return None
    _view, turn_view = turn_of_trip(trip)
    return turn_view.estimated_departure if turn_view else None


def attach_travellers(views):
    """The reservations on each loading vehicle (for the desk's boarding list), in one query."""
    by_trip = {view.loading.turn.trip_id: view for view in views if view.loading}
    reservations = (
        Reservation.objects.filter(trip_id__in=by_trip)
        .exclude(status__in=[ReservationStatus.EXPIRED, ReservationStatus.CANCELLED])
        .select_related("client")
        .order_by("created_at", "pk")
    )
    for reservation in reservations:
        by_trip[reservation.trip_id].travellers.append(reservation)
    return views
