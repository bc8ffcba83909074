"""Journey times: the duration an administrator set for a route (origin city → destination
city), else an estimate from the stations' distance, said to be one."""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import OuterRef, Subquery

from louage.stations.geo import road_km

from .models import RouteDuration

# A louage averages about this speed between cities, stops included.
AVERAGE_KMH = 75
MIN_MINUTES = 15


@dataclass(frozen=True)
class Timing:
    minutes: int
    estimated: bool
    arrival: datetime


def estimate_minutes(origin, destination):
    """Road distance at AVERAGE_KMH, rounded up to 5 minutes."""
    minutes = road_km(origin, destination) / AVERAGE_KMH * 60
    return max(MIN_MINUTES, int(math.ceil(minutes / 5) * 5))


def with_route_minutes(trips):
    """Annotate `route_minutes` (the set duration, or None) in the same query."""
    return trips.annotate(
        route_minutes=Subquery(
            RouteDuration.objects.filter(
                origin_city=OuterRef("origin__city"), destination_city=OuterRef("destination__city")
            ).values("minutes")[:1]
        )
    )


def route_minutes(origin_city, destination_city):
    return (
        RouteDuration.objects.filter(origin_city=origin_city, destination_city=destination_city)
        .values_list("minutes", flat=True)
        .first()
    )


def timing(trip):
    """The trip's duration and arrival; uses the `route_minutes` annotation when present."""
    if hasattr(trip, "route_minutes"):
        minutes = trip.route_minutes
    else:
        minutes = route_minutes(trip.origin.city, trip.destination.city)
    estimated = minutes is None
    if estimated:
        minutes = estimate_minutes(trip.origin, trip.destination)
    return Timing(minutes, estimated, trip.departure + timedelta(minutes=minutes))
