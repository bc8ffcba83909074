"""What the GTFS feed says, read from the database: the active stations, the scheduled
departures of the feed's window with their journey times, the depart-when-full queues with
their typical interval between departures, and the official fares."""

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings

from louage.core import clock
from louage.core.times import day_bounds, local_today
from louage.queues.models import Queue, QueuedVehicle, TurnStatus
from louage.stations.models import Station
from louage.trips.durations import estimate_minutes
from louage.trips.models import Fare, RouteDuration, Trip, TripKind, TripStatus

from .models import FEED_ID, Feed

# A queue's interval between departures comes from its loading times over this many days;
# intervals are kept within these bounds (a vehicle left waiting overnight is no timetable).
QUEUE_HISTORY_DAYS = 14
MIN_HEADWAY_MINUTES = 5
MAX_HEADWAY_MINUTES = 180


@dataclass(frozen=True)
class Journey:
    minutes: int
    estimated: bool  # no duration set for the route: estimated from the distance


@dataclass(frozen=True)
class Departure:
    trip_id: int
    origin_id: int
    destination_id: int
    departure: datetime


@dataclass(frozen=True)
class QueueService:
    queue_id: int
    origin_id: int
    destination_id: int
    headway_minutes: int
    from_history: bool


@dataclass
class Network:
    """Everything the feed is written from; `first_day`..`last_day` is its window."""

    first_day: date
    last_day: date
    stations: dict[int, Station]
    departures: list[Departure]
    queues: list[QueueService]
    fares: dict[tuple[str, str], Fare]
    journeys: dict[tuple[int, int], Journey] = field(default_factory=dict)

    def routes(self):
        """(origin_id, destination_id) of every route served, in a stable order."""
        pairs = {(d.origin_id, d.destination_id) for d in self.departures}
        pairs |= {(q.origin_id, q.destination_id) for q in self.queues}
        return sorted(pairs)


def current_feed():
    return Feed.objects.filter(pk=FEED_ID).first()


def network(*, today=None, days=None):
    """The network for the feed's window: today (Tunis) and the `days` days after it, so
    that the feed is always valid for the next `days` days (validators warn otherwise)."""
    today = today or local_today()
    days = days or settings.GTFS_DAYS
    start, _ = day_bounds(today)
    _, end = day_bounds(today + timedelta(days=days))
    stations = {s.pk: s for s in Station.objects.filter(is_active=True).order_by("pk")}
    departures = [
        Departure(*row)
        for row in Trip.objects.filter(
            kind=TripKind.SCHEDULED,
            status__in=[TripStatus.SCHEDULED, TripStatus.DEPARTED],
            departure__gte=start,
            departure__lt=end,
            origin__is_active=True,
            destination__is_active=True,
        )
        .order_by("departure", "pk")
        .values_list("pk", "origin_id", "destination_id", "departure")
        .iterator(chunk_size=5000)
    ]
    result = Network(
        first_day=today,
        last_day=today + timedelta(days=days),
        stations=stations,
        departures=departures,
        queues=queue_services(stations),
        fares={(f.origin_city, f.destination_city): f for f in Fare.objects.order_by("pk")},
    )
    result.journeys = journeys(result.routes(), stations)
    return result


def journeys(pairs, stations):
    """{(origin_id, destination_id): Journey}: the duration set for the cities' route, else
    the estimate from the stations' distance (louage.trips.durations)."""
    set_minutes = {
        (d.origin_city, d.destination_city): d.minutes for d in RouteDuration.objects.all()
    }
    result = {}
    for origin_id, destination_id in pairs:
        origin, destination = stations[origin_id], stations[destination_id]
        minutes = set_minutes.get((origin.city, destination.city))
        if minutes is None:
            result[origin_id, destination_id] = Journey(
                estimate_minutes(origin, destination), estimated=True
            )
        else:
            result[origin_id, destination_id] = Journey(minutes, estimated=False)
    return result


def queue_services(stations):
    """The depart-when-full queues between active stations, each with its typical interval
    between departures: the median time its vehicles spent loading over the last
    QUEUE_HISTORY_DAYS (one vehicle loads at a time, so that is the interval), else the
    station's median, else GTFS_QUEUE_HEADWAY_MINUTES."""
    queues = list(
        Queue.objects.filter(station_id__in=stations, destination_id__in=stations).order_by("pk")
    )
    if not queues:
        return []
    since = clock.now() - timedelta(days=QUEUE_HISTORY_DAYS)
    by_queue, by_station = {}, {}
    history = QueuedVehicle.objects.filter(
        queue__in=queues,
        status=TurnStatus.DEPARTED,
        left_at__gte=since,
        loading_since__isnull=False,
    ).values_list("queue_id", "queue__station_id", "loading_since", "left_at")
    for queue_id, station_id, started, left in history:
        minutes = (left - started).total_seconds() / 60
        by_queue.setdefault(queue_id, []).append(minutes)
        by_station.setdefault(station_id, []).append(minutes)
    services = []
    for queue in queues:
        samples = by_queue.get(queue.pk) or by_station.get(queue.station_id)
        if samples:
            minutes = statistics.median(samples)
            minutes = min(MAX_HEADWAY_MINUTES, max(MIN_HEADWAY_MINUTES, round(minutes / 5) * 5))
        else:
            minutes = settings.GTFS_QUEUE_HEADWAY_MINUTES
        services.append(
            QueueService(queue.pk, queue.station_id, queue.destination_id, minutes, bool(samples))
        )
    return services
