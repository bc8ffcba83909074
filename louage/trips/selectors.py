import re
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date as date_type
from datetime import timedelta

from django.db.models import Q

from louage.core import clock
from louage.core.prepared import Prepared
from louage.core.times import TUNIS, day_bounds, format_local, local_date, local_today
from louage.stations import places
from louage.stations.models import Station

from . import network
from .durations import estimate_minutes, with_route_minutes
from .models import Fare, RouteDuration, Trip, TripKind, TripStatus, attach_network

__all__ = ["TUNIS", "day_bounds", "local_today"]  # re-exported for older imports

# How far ahead "next dates" look, and how many a list of suggestions shows.
NEXT_DATES_DAYS = 30
NEXT_DATES_SHOWN = 5
# A departure picker never lists more than this many departures at once.
PICKER_LIMIT = 50
# A scheduled departure this late is taken as still at the station, boarding.
STILL_AT_STATION_MINUTES = 30


def resolve_stations(value, stations=None):
    """A station id, a city (Latin or Arabic, any accents) or a station name → station ids;
    None for "any", [] when the name is unknown."""
    return places.resolve(value, stations)


def with_relations(trips):
    return with_route_minutes(trips.select_related("origin", "destination", "vehicle"))


def _route_of(origins, destinations):
    """The filter of a route between station ids (None: any station)."""
    conditions = {}
    for column, ids in (("origin_id", origins), ("destination_id", destinations)):
        if ids is None:
            continue
        if len(ids) == 1:  # one station: an equality builds faster than IN
            conditions[column] = ids[0]
        else:
            conditions[f"{column}__in"] = list(ids)
    return conditions


def _route_conditions(origin, destination, net):
    """The filter of a route, the places resolved with the network's station index."""
    return _route_of(net.resolve(origin), net.resolve(destination))


def _route(trips, origin, destination, net):
    conditions = _route_conditions(origin, destination, net)
    return trips.filter(**conditions) if conditions else trips


def _bookable(seats, after, before=None, **conditions):
    """Scheduled departures with free seats (one filter call: each costs a query clone)."""
    if before is not None:
        conditions["departure__lt"] = before
    return Trip.objects.filter(
        kind=TripKind.SCHEDULED,  # depart-when-full louages are found through their queue
        status=TripStatus.SCHEDULED,
        departure__gte=after,
        seats_available__gte=max(1, seats),
        **conditions,
    )


# What a search answer (trips.api.TripOut) and the search page show of a departure; both
# stations and the route's duration come from the network (trips.network), not from joins.
SEARCH_FIELDS = (
    "kind", "origin", "destination", "vehicle__plate", "departure", "price", "seats_total",
    "seats_available", "status",
)  # fmt: skip


def _search_query(seats, after, before, route):
    return (
        _bookable(seats, after, before, **route)
        .select_related("vehicle")
        .only(*SEARCH_FIELDS)
        .order_by("departure", "pk")
    )


# A search's query compiled once per shape (how many stations at each end, the seats, the
# slice), then only bound: building and compiling it was half the CPU of a search the
# answers cache has not seen. Shapes beyond the bound run through the ORM.
_PREPARED_SEARCHES = {}
PREPARED_SEARCH_SHAPES = 512


def _prepared_search(shape):
    prepared = _PREPARED_SEARCHES.get(shape)
    if prepared is None and len(_PREPARED_SEARCHES) < PREPARED_SEARCH_SHAPES:
        origins, destinations, seats, low, high = shape

        def build(*args):
            route = _route_of(
                args[:origins] or None, args[origins : origins + destinations] or None
            )
            after, before = args[origins + destinations :]
            return _search_query(seats, after, before, route)[low:high]

        prepared = _PREPARED_SEARCHES.setdefault(shape, Prepared(build))
    return prepared


def _answer_search(net, origins, destinations, seats, after, before, low, high):
    prepared = _prepared_search((len(origins), len(destinations), seats, low, high))
    if prepared is None:
        route = _route_of(origins or None, destinations or None)
        trips = _search_query(seats, after, before, route)[low:high]
    else:
        trips = prepared.all(*origins, *destinations, after, before)
    return list(attach_network(trips, net))


def search_trips(*, origin=None, destination=None, day=None, seats=1):
    """Scheduled departures still to come on `day` (Africa/Tunis; default today) with at least
    `seats` free seats, by departure time. Station ids are resolved first so the query uses
    the (origin, destination, status, departure) index."""
    now = clock.now()
    day = day or local_today()
    start, end = day_bounds(day)
    net = network.current()
    origins, destinations = net.resolve(origin), net.resolve(destination)
    after, seats = max(start, now), max(1, seats)

    def build():
        return _search_query(seats, after, end, _route_of(origins, destinations)).with_network(net)

    if origins == [] or destinations == []:
        return build()  # a name no station has: the ORM answers "nothing" without a query
    return Trip.objects.answered_by(
        build, _answer_search, net, tuple(origins or ()), tuple(destinations or ()), seats, after,
        end,
    )  # fmt: skip


@dataclass
class Alternatives:
    """What a search that found nothing can offer instead."""

    unknown: list = field(default_factory=list)  # [(field, typed value, [Place, …])]
    next_dates: list = field(default_factory=list)  # [(date, count)]
    other_stations: list = field(default_factory=list)  # [(field, Station, count that day)]

    def __bool__(self):
        return bool(self.unknown or self.next_dates or self.other_stations)


def search_alternatives(*, origin="", destination="", day=None, seats=1):
    """When a search finds nothing: the names it did not know (with close ones), the next
    dates with departures on the route, and the other stations of the cities named."""
    now = clock.now()
    day = day or local_today()
    result = Alternatives()
    net = network.current()
    for name, value in (("origin", origin), ("destination", destination)):
        if value and net.resolve(value) == []:
            result.unknown.append((name, value, places.did_you_mean(value)))
    if result.unknown:
        return result

    _start, end = day_bounds(day)
    later = _route(
        _bookable(seats, max(end, now), end + timedelta(days=NEXT_DATES_DAYS)),
        origin, destination, net,
    )  # fmt: skip
    counts = OrderedDict()
    for departure in later.order_by("departure").values_list("departure", flat=True)[:2000]:
        counts[local_date(departure)] = counts.get(local_date(departure), 0) + 1
    result.next_dates = list(counts.items())[:NEXT_DATES_SHOWN]

    start, end = day_bounds(day)
    for name, value in (("origin", origin), ("destination", destination)):
        ids = net.resolve(value)
        if not ids or len(ids) != 1:
            continue  # "any", or a whole city already searched
        chosen = Station.objects.filter(pk=ids[0]).first()
        if chosen is None:
            continue
        for other in Station.objects.filter(city=chosen.city, is_active=True).exclude(pk=chosen.pk):
            route = {"origin": origin, "destination": destination, name: str(other.pk)}
            count = _route(
                _bookable(seats, max(start, now), end), route["origin"], route["destination"], net
            ).count()
            result.other_stations.append((name, other, count))
    return result


def upcoming_from_station(station, *, limit=20, with_free_seats=True):
    trips = Trip.objects.filter(
        origin=station, kind=TripKind.SCHEDULED, status=TripStatus.SCHEDULED,
        departure__gte=clock.now(),
    )  # fmt: skip
    if with_free_seats:
        trips = trips.filter(seats_available__gt=0)
    return with_relations(trips).order_by("departure", "pk")[:limit]


def trips_for_user(user, *, day=None, destination=None, status=None, when="all"):
    """Departures a chief (its station) or an admin (all) manages.

    `when`: "coming" (from now on, soonest first), "past" (latest first) or "all" (latest
    first); a `day` lists that day's, soonest first."""
    trips = Trip.objects.all()
    if user.role != "admin":
        trips = trips.filter(origin__chief=user)
    if destination:
        trips = trips.filter(destination_id=destination)
    if status:
        trips = trips.filter(status=status)
    if isinstance(day, date_type):
        start, end = day_bounds(day)
        trips = trips.filter(departure__gte=start, departure__lt=end)
        return with_relations(trips).order_by("departure", "pk")
    # A depart-when-full louage still at the station is to come, whatever its `departure`
    # (when it started loading) says.
    at_station = Q(kind=TripKind.QUEUE, status=TripStatus.SCHEDULED)
    if when == "coming":
        coming = trips.filter(Q(departure__gte=clock.now()) | at_station)
        return with_relations(coming).order_by("departure", "pk")
    if when == "past":
        trips = trips.filter(departure__lt=clock.now()).exclude(at_station)
    return with_relations(trips).order_by("-departure", "-pk")


def public_trip(trip_id):
    return with_relations(Trip.objects.filter(pk=trip_id)).first()


def official_fare(origin_city, destination_city):
    """The official per-seat fare of a route in millimes, or None when the table has none."""
    return (
        Fare.objects.filter(origin_city=origin_city, destination_city=destination_city)
        .values_list("price", flat=True)
        .first()
    )


def suggested_price(*, origin, destination):
    """The price (millimes) a new departure on this route starts at: the route's official
    fare where one exists, else the route's last price, else None."""
    if origin is None or destination is None:
        return None
    fare = official_fare(origin.city, destination.city)
    if fare is not None:
        return fare
    return (
        Trip.objects.filter(origin=origin, destination=destination)
        .exclude(status=TripStatus.CANCELLED)
        .order_by("-created_at", "-pk")
        .values_list("price", flat=True)
        .first()
    )


# --- departure pickers (desk sale, notice, check-in) ---------------------------------------

TIME_QUERY = re.compile(r"^(\d{1,2})(?:[:h](\d{0,2}))?$")


@dataclass
class Picker:
    day: date_type
    trips: list
    total: int
    destinations: list  # [(station id, label)]
    destination: int | None = None
    query: str = ""
    gone: list = field(default_factory=list)  # check-in: departures already left, on demand

    @property
    def truncated(self):
        return self.total > len(self.trips)


def _matches(trip, query):
    folded = places.fold(query)
    if not folded:
        return True
    match = TIME_QUERY.match(query.strip().lower())
    if match:
        return format_local(trip.departure, "time").startswith(
            f"{int(match.group(1)):02d}:{match.group(2) or ''}".rstrip(":")
        )
    haystack = " ".join(
        places.fold(text)
        for text in (
            trip.destination.name,
            trip.destination.name_ar,
            trip.destination.city,
            trip.vehicle.plate,
        )
    )
    return all(word in haystack for word in folded.split())


def departure_picker(
    station,
    *,
    day=None,
    destination=None,
    query="",
    purpose="sale",
    limit=PICKER_LIMIT,
    destinations=None,
):
    """A station's departures of one day (today by default), soonest first, filtered by
    destination and by what was typed (a destination, a plate, a time such as "14:30").

    purpose: "sale" lists departures still to leave with free seats; "notice" those still to
    leave and the loading louages; "check_in" the day's scheduled and departed ones, what is
    still to leave first and those gone (late boarding) apart, in `gone`."""
    now = clock.now()
    day = day or local_today()
    start, end = day_bounds(day)
    trips = Trip.objects.filter(origin=station, departure__gte=start, departure__lt=end)
    if purpose == "check_in":
        trips = trips.filter(status__in=[TripStatus.SCHEDULED, TripStatus.DEPARTED])
    elif purpose == "notice":
        # A loading louage's departure is the time it started loading: it is still to leave.
        trips = trips.filter(status=TripStatus.SCHEDULED).filter(
            Q(departure__gt=now) | Q(kind=TripKind.QUEUE)
        )
    else:
        trips = trips.filter(status=TripStatus.SCHEDULED, departure__gt=now)
        if purpose == "sale":
            trips = trips.filter(seats_available__gt=0)
    if destination:
        trips = trips.filter(destination_id=destination)
    day_trips = list(with_relations(trips).order_by("departure", "pk")[:500])
    matching = [trip for trip in day_trips if _matches(trip, query)]
    gone = []
    if purpose == "check_in":
        recent = now - timedelta(minutes=STILL_AT_STATION_MINUTES)
        gone = [trip for trip in matching if not _still_at_station(trip, recent)]
        matching = [trip for trip in matching if _still_at_station(trip, recent)]
    return Picker(
        day=day,
        trips=matching[:limit],
        total=len(matching),
        destinations=served_destinations(station) if destinations is None else destinations,
        destination=destination,
        query=query,
        gone=gone[-limit:],
    )


def _still_at_station(trip, recent):
    """Not sent, and a loading louage or a scheduled departure not long past (chiefs do not
    always mark a departure gone)."""
    return trip.status == TripStatus.SCHEDULED and (
        trip.kind == TripKind.QUEUE or trip.departure >= recent
    )


def served_destinations(station):
    """The stations this one has departures to, from a week back to a month ahead."""
    now = clock.now()
    ids = (
        Trip.objects.filter(
            origin=station,
            departure__gte=now - timedelta(days=7),
            departure__lt=now + timedelta(days=NEXT_DATES_DAYS),
        )
        .values_list("destination_id", flat=True)
        .distinct()
    )
    return [
        (s.pk, s.choice_label)
        for s in Station.objects.filter(pk__in=list(ids)).order_by("city", "name")
    ]


@dataclass
class Route:
    origin_city: str
    destination_city: str
    minutes: int | None  # set by an administrator
    estimate: int | None  # from the stations' distance


def routes_with_durations():
    """Every route (origin city → destination city) with departures or a set duration."""
    pairs = set(Trip.objects.values_list("origin__city", "destination__city").distinct().order_by())
    durations = {
        (r.origin_city, r.destination_city): r.minutes for r in RouteDuration.objects.all()
    }
    pairs |= set(durations)
    first_station = {}
    for station in Station.objects.order_by("-is_active", "name"):
        first_station.setdefault(station.city, station)
    routes = []
    for origin_city, destination_city in sorted(pairs):
        a, b = first_station.get(origin_city), first_station.get(destination_city)
        routes.append(
            Route(
                origin_city,
                destination_city,
                durations.get((origin_city, destination_city)),
                estimate_minutes(a, b) if a and b else None,
            )
        )
    return routes
