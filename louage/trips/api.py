"""Departures: public search and detail; chiefs (own station) and admins plan, edit, cancel,
send. Official fares: anyone reads, admins write."""

import datetime as dt
import functools
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from louage.accounts.models import Role
from louage.core.api import (
    LINE,
    MAX_ID,
    CachedSearchPage,
    Id,
    InputSchema,
    IsoDate,
    IsoDateTime,
    Page,
    access,
    error_responses,
    jwt_auth,
    omittable,
    optional_body,
    require_role,
)
from louage.core.errors import NotFound
from louage.core.operations import located, versioned
from louage.stations.api import City

from . import selectors, services
from .models import Fare, TripKind, TripStatus
from .services import MAX_PRICE

router = Router(tags=["trips"])
fares_router = Router(tags=["fares"])


class StationRef(Schema):
    id: int
    name: str
    city: str


class TripOut(Schema):
    id: int
    kind: TripKind
    origin_id: int
    origin: StationRef
    destination_id: int
    destination: StationRef
    vehicle_id: int
    vehicle_plate: str
    departure: dt.datetime
    price: int
    seats_total: int
    seats_available: int
    status: TripStatus
    arrival: dt.datetime = Field(description="departure + duration")
    duration_minutes: int
    duration_estimated: bool = Field(
        description="true: estimated from the stations' distance; false: set for the route"
    )

    @staticmethod
    def resolve_vehicle_plate(obj):
        return obj.vehicle.plate

    @staticmethod
    def resolve_arrival(obj):
        return obj.timing.arrival

    @staticmethod
    def resolve_duration_minutes(obj):
        return obj.timing.minutes

    @staticmethod
    def resolve_duration_estimated(obj):
        return obj.timing.estimated


Price = Annotated[int, Field(ge=1, le=MAX_PRICE, description="per seat, in millimes")]
TripSeats = Annotated[int, Field(ge=1, le=9, description="at most the vehicle's seats")]
Place = Annotated[str, Field(max_length=60, pattern=LINE, description="station id or city name")]


class TripIn(InputSchema):
    destination_id: Id
    vehicle_id: Id = Field(description="a vehicle of the departure station")
    departure: IsoDateTime = Field(description="in the future, with its offset")
    price: Price
    seats_total: TripSeats | None = Field(None, description="null: the vehicle's seats")
    origin_id: Id = omittable(description="admins only; a chief's trips leave from its station")


class TripPatch(InputSchema):
    destination_id: Id = omittable()
    vehicle_id: Id = omittable()
    departure: IsoDateTime = omittable(description="in the future, with its offset")
    price: Price = omittable()
    seats_total: TripSeats = omittable()


class CancelIn(InputSchema):
    reason: str = Field("", max_length=200, pattern=LINE)


class SearchQuery(Schema):
    origin: Place = ""
    destination: Place = ""
    date: IsoDate = Field(None, description="YYYY-MM-DD, Africa/Tunis")
    seats: int = Field(1, ge=1, le=8)


def _managed_trip(request, trip_id):
    require_role(request, Role.ADMIN, Role.CHIEF)
    trip = selectors.trips_for_user(request.auth).filter(pk=trip_id).first()
    if trip is None:
        raise NotFound(_("Départ introuvable dans votre station."))
    return trip


@router.get(
    "", response={200: list[TripOut], **error_responses(422)}, openapi_extra=access(anonymous=True)
)
@paginate(CachedSearchPage)
def search_trips(request, filters: Query[SearchQuery]):
    # Built only when the answer is not in the search cache (CachedSearchPage).
    return functools.partial(
        selectors.search_trips,
        origin=filters.origin,
        destination=filters.destination,
        day=filters.date,
        seats=filters.seats,
    )


@router.get(
    "/{int:trip_id}",
    response={200: TripOut, **error_responses(404)},
    openapi_extra=access(anonymous=True),
)
@versioned()
def get_trip(request, trip_id: int):
    trip = selectors.public_trip(trip_id)
    if trip is None:
        raise NotFound(_("Départ introuvable."))
    return trip


@router.post(
    "",
    auth=jwt_auth,
    response={201: TripOut, **error_responses(401, 403, 404, 409, 422)},
    openapi_extra=access(chief="station", admin="all"),
)
@located("get_trip")
def plan_trip(request, payload: TripIn):
    require_role(request, Role.ADMIN, Role.CHIEF)
    trip = services.plan_trip(by=request.auth, **payload.dict())
    return Status(201, selectors.public_trip(trip.pk))


@router.patch(
    "/{int:trip_id}",
    auth=jwt_auth,
    response={200: TripOut, **error_responses(401, 403, 404, 409, 422)},
    openapi_extra=access(chief="station", admin="all"),
)
@versioned()
def edit_trip(request, trip_id: int, payload: TripPatch):
    trip = _managed_trip(request, trip_id)
    return services.update_trip(trip=trip, by=request.auth, **payload.dict(exclude_unset=True))


@router.post(
    "/{int:trip_id}/cancel",
    auth=jwt_auth,
    response={200: TripOut, **error_responses(401, 403, 404, 409, 422)},
    openapi_extra=access(chief="station", admin="all"),
)
def cancel_trip(request, trip_id: int):
    """Optional body: {"reason": "..."}."""
    trip = _managed_trip(request, trip_id)
    payload = optional_body(request, CancelIn)
    services.cancel_trip(trip=trip, by=request.auth, reason=payload.reason if payload else "")
    return selectors.public_trip(trip.pk)


@router.post(
    "/{int:trip_id}/depart",
    auth=jwt_auth,
    response={200: TripOut, **error_responses(401, 403, 404, 409)},
    openapi_extra=access(chief="station", admin="all"),
)
def depart_trip(request, trip_id: int):
    """The vehicle leaves (once). For a depart-when-full departure, the next vehicle of its
    queue then starts loading."""
    trip = _managed_trip(request, trip_id)
    services.mark_departed(trip=trip, by=request.auth)
    return selectors.public_trip(trip.pk)


@router.get(
    "/managed/list",
    auth=jwt_auth,
    response={200: list[TripOut], **error_responses(401, 403, 422)},
    openapi_extra=access(chief="station", admin="all"),
)
@paginate(Page)
def list_managed_trips(
    request,
    day: IsoDate = None,
    destination_id: int = Query(None, ge=1, le=MAX_ID),
    status: TripStatus = None,
):
    """The departures a chief (its station) or an admin (all) manages, history included."""
    require_role(request, Role.ADMIN, Role.CHIEF)
    return selectors.trips_for_user(
        request.auth, day=day, destination=destination_id, status=status
    )


class FareOut(Schema):
    origin_city: str
    destination_city: str
    price: int = Field(description="official fare per seat, in millimes")


class FareIn(InputSchema):
    origin_city: City
    destination_city: City = Field(description="another city than origin_city")
    price: Price = Field(description="official fare per seat, in millimes")


class FareQuery(Schema):
    origin_city: str = Field("", max_length=60, pattern=LINE)
    destination_city: str = Field("", max_length=60, pattern=LINE)


def fare_table_version():
    """The whole table's version (its ETag), whichever page was read."""
    rows = Fare.objects.order_by("origin_city", "destination_city")
    return repr(list(rows.values_list("origin_city", "destination_city", "price")))


@fares_router.get(
    "",
    response={200: list[FareOut], **error_responses(422)},
    openapi_extra=access(anonymous=True),
)
@versioned(current=lambda request: fare_table_version())
@paginate(Page)
def list_fares(request, filters: Query[FareQuery]):
    """The official fare table (the whole of it: a few hundred routes at most), optionally
    for one origin or destination city."""
    fares = Fare.objects.order_by("origin_city", "destination_city")
    if filters.origin_city:
        fares = fares.filter(origin_city__iexact=filters.origin_city)
    if filters.destination_city:
        fares = fares.filter(destination_city__iexact=filters.destination_city)
    return fares


@fares_router.put(
    "",
    auth=jwt_auth,
    response={200: list[FareOut], **error_responses(401, 403, 409, 422)},
    openapi_extra=access(admin="all"),
)
@versioned(current=lambda request: fare_table_version())
def replace_fares(request, payload: list[FareIn]):
    """Replace the whole table (admins): routes left out are removed, unless a queue runs on
    them (409 fare_in_use). One bad row (422) changes nothing."""
    return services.replace_fares(by=request.auth, fares=[row.dict() for row in payload])


class DurationOut(Schema):
    origin_city: str
    destination_city: str
    minutes: int | None = Field(description="set by an administrator; null: estimated")
    estimate: int | None = Field(description="from the stations' distance")


class DurationIn(InputSchema):
    origin_city: City
    destination_city: City = Field(description="another city than origin_city")
    minutes: Annotated[int, Field(ge=5, le=1440)] | None = Field(
        description="5 to 1440; null goes back to the estimate"
    )


@router.get("/durations", response={200: list[DurationOut]}, openapi_extra=access(anonymous=True))
@paginate(Page)
def list_route_durations(request):
    """Journey time of every route (origin city → destination city)."""
    return selectors.routes_with_durations()


@router.put(
    "/durations",
    auth=jwt_auth,
    response={200: DurationOut, **error_responses(401, 403, 422)},
    openapi_extra=access(admin="all"),
)
def set_route_duration(request, payload: DurationIn):
    """Admins: set a route's journey time, or clear it (null) to go back to the estimate."""
    require_role(request, Role.ADMIN)
    duration = services.set_route_duration(by=request.auth, **payload.dict())
    key = (payload.origin_city, payload.destination_city)
    routes = {(r.origin_city, r.destination_city): r for r in selectors.routes_with_durations()}
    if key in routes:
        return routes[key]
    return {
        "origin_city": key[0],
        "destination_city": key[1],
        "minutes": duration.minutes if duration else None,
        "estimate": None,
    }
