from datetime import date as date_type
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from louage.core import clock
from louage.stations.models import Station

from .models import Trip, TripKind, TripStatus

TUNIS = ZoneInfo(settings.TIME_ZONE)


def local_today():
    return clock.now().astimezone(TUNIS).date()


def day_bounds(day):
    start = datetime.combine(day, time.min, tzinfo=TUNIS)
    return start, start + timedelta(days=1)


def resolve_stations(value):
    """A station id ("12") or a city name ("sousse") → list of station ids, or None for 'any'."""
    value = (str(value) if value is not None else "").strip()
    if not value:
        return None
    if "\x00" in value:  # PostgreSQL refuses NUL in a query: no station has one anyway
        return []
    if value.isdigit():
        # Beyond 64 bits it cannot be an id (and the database would overflow): no station.
        return [int(value)] if len(value) <= 18 else []
    return list(
        Station.objects.filter(city__iexact=value, is_active=True).values_list("pk", flat=True)
    )


def with_relations(trips):
    return trips.select_related("origin", "destination", "vehicle")


def search_trips(*, origin=None, destination=None, day=None, seats=1):
    """Scheduled departures still to come on `day` (Africa/Tunis; default today) with at least
    `seats` free seats, by departure time. Station ids are resolved first so the query uses
    the (origin, destination, status, departure) index."""
    now = clock.now()
    day = day or local_today()
    start, end = day_bounds(day)
    trips = Trip.objects.filter(
        kind=TripKind.SCHEDULED,  # depart-when-full louages are found through their queue
        status=TripStatus.SCHEDULED,
        departure__gte=max(start, now),
        departure__lt=end,
        seats_available__gte=max(1, seats),
    )
    origin_ids = resolve_stations(origin)
    if origin_ids is not None:
        trips = trips.filter(origin_id__in=origin_ids)
    destination_ids = resolve_stations(destination)
    if destination_ids is not None:
        trips = trips.filter(destination_id__in=destination_ids)
    return with_relations(trips).order_by("departure", "pk")


def upcoming_from_station(station, *, limit=20, with_free_seats=True):
    trips = Trip.objects.filter(
        origin=station, kind=TripKind.SCHEDULED, status=TripStatus.SCHEDULED,
        departure__gte=clock.now(),
    )  # fmt: skip
    if with_free_seats:
        trips = trips.filter(seats_available__gt=0)
    return with_relations(trips).order_by("departure", "pk")[:limit]


def trips_for_user(user, *, day=None, destination=None, status=None):
    """Departures a chief (its station) or an admin (all) manages, newest plans first."""
    trips = Trip.objects.all()
    if user.role != "admin":
        trips = trips.filter(origin__chief=user)
    if isinstance(day, date_type):
        start, end = day_bounds(day)
        trips = trips.filter(departure__gte=start, departure__lt=end)
    if destination:
        trips = trips.filter(destination_id=destination)
    if status:
        trips = trips.filter(status=status)
    return with_relations(trips).order_by("-departure", "-pk")


def public_trip(trip_id):
    return with_relations(Trip.objects.filter(pk=trip_id)).first()
