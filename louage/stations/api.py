"""Stations (public read, admin write) and vehicles (chief of the station, admin)."""

from typing import Annotated, Literal

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from louage.accounts.models import Role
from louage.core.api import (
    LINE,
    NAME,
    PHONE,
    Id,
    InputSchema,
    Page,
    access,
    error_responses,
    jwt_auth,
    omittable,
    require_role,
)
from louage.core.errors import NotFound, field_not_found
from louage.core.operations import located, versioned

from . import selectors, services
from .cities import CITIES
from .models import Station, Vehicle
from .services import PLATE_PATTERN

stations_router = Router(tags=["stations"])
vehicles_router = Router(tags=["vehicles"], auth=jwt_auth)


class StationOut(Schema):
    id: int
    name: str
    name_ar: str
    city: str
    phone: str
    address: str
    latitude: float
    longitude: float
    chief_id: int | None
    chief_name: str | None
    is_active: bool

    @staticmethod
    def resolve_chief_name(obj):
        return obj.chief.get_full_name() if obj.chief_id else None


City = Literal[tuple(CITIES)]
Latitude = Annotated[float, Field(ge=30, le=38, description="in Tunisia: 30 to 38")]
Longitude = Annotated[float, Field(ge=7, le=12, description="in Tunisia: 7 to 12")]
StationName = Annotated[str, Field(min_length=1, max_length=120, pattern=NAME)]


class StationIn(InputSchema):
    name: StationName
    name_ar: str = Field("", max_length=120, pattern=LINE)
    city: City
    phone: str = Field("", max_length=32, pattern=PHONE)
    address: str = Field("", max_length=255, pattern=LINE)
    latitude: Latitude
    longitude: Longitude
    chief_id: Id | None = Field(None, description="a user with the chief role, free of station")


class StationPatch(InputSchema):
    name: StationName = omittable()
    name_ar: str = omittable(max_length=120, pattern=LINE)
    city: City = omittable()
    phone: str = omittable(max_length=32, pattern=PHONE)
    address: str = omittable(max_length=255, pattern=LINE)
    latitude: Latitude = omittable()
    longitude: Longitude = omittable()
    chief_id: Id | None = omittable(description="null: no chief")
    is_active: bool = omittable()


class VehicleOut(Schema):
    id: int
    plate: str
    owner_name: str
    owner_phone: str
    seats: int
    station_id: int
    active: bool


Plate = Annotated[
    str, Field(max_length=30, pattern=PLATE_PATTERN, description='Tunisian, e.g. "123 TU 4567"')
]
OwnerName = Annotated[str, Field(min_length=1, max_length=150, pattern=NAME)]
VehicleSeats = Annotated[int, Field(ge=1, le=9)]


class VehicleIn(InputSchema):
    plate: Plate
    owner_name: OwnerName
    owner_phone: str = Field("", max_length=32, pattern=PHONE)
    seats: VehicleSeats = 8
    active: bool = True
    station_id: Id = omittable(description="admins: the vehicle's station (required for them)")


class VehiclePatch(InputSchema):
    plate: Plate = omittable()
    owner_name: OwnerName = omittable()
    owner_phone: str = omittable(max_length=32, pattern=PHONE)
    seats: VehicleSeats = omittable()
    active: bool = omittable()


def _station(station_id):
    station = Station.objects.select_related("chief").filter(pk=station_id).first()
    if station is None:
        raise NotFound(_("Station introuvable."))
    return station


@stations_router.get("", response={200: list[StationOut]}, openapi_extra=access(anonymous=True))
@paginate(Page)
def list_stations(
    request,
    q: str = Query("", max_length=100, pattern=LINE),
    city: str = Query("", max_length=60, pattern=LINE),
):
    return selectors.search_stations(query=q, city=city)


@stations_router.get(
    "/{int:station_id}",
    response={200: StationOut, **error_responses(404)},
    openapi_extra=access(anonymous=True),
)
@versioned()
def get_station(request, station_id: int):
    return _station(station_id)


@stations_router.post(
    "",
    auth=jwt_auth,
    response={201: StationOut, **error_responses(401, 403, 404, 409, 422)},
    openapi_extra=access(admin="all"),
)
@located("get_station")
def create_station(request, payload: StationIn):
    require_role(request, Role.ADMIN)
    station = services.create_station(by=request.auth, **payload.dict())
    return Status(201, _station(station.pk))


@stations_router.patch(
    "/{int:station_id}",
    auth=jwt_auth,
    response={200: StationOut, **error_responses(401, 403, 404, 409, 422)},
    openapi_extra=access(admin="all"),
)
@versioned()
def update_station(request, station_id: int, payload: StationPatch):
    require_role(request, Role.ADMIN)
    station = services.update_station(
        station=_station(station_id), by=request.auth, **payload.dict(exclude_unset=True)
    )
    return _station(station.pk)


@stations_router.delete(
    "/{int:station_id}",
    auth=jwt_auth,
    response={204: None, **error_responses(401, 403, 404, 409)},
    openapi_extra=access(admin="all"),
)
def delete_station(request, station_id: int):
    require_role(request, Role.ADMIN)
    services.delete_station(station=_station(station_id), by=request.auth)
    return Status(204, None)


def _vehicle(request, vehicle_id):
    require_role(request, Role.ADMIN, Role.CHIEF)
    vehicle = selectors.vehicles_for_user(request.auth).filter(pk=vehicle_id).first()
    if vehicle is None:
        raise NotFound(_("Véhicule introuvable dans votre station."))
    return vehicle


@vehicles_router.get(
    "",
    response={200: list[VehicleOut], **error_responses(401, 403)},
    openapi_extra=access(chief="station", admin="all"),
)
@paginate(Page)
def list_vehicles(request, active: bool = None):
    require_role(request, Role.ADMIN, Role.CHIEF)
    return selectors.vehicles_for_user(request.auth, active=active)


@vehicles_router.post(
    "",
    response={201: VehicleOut, **error_responses(401, 403, 404, 409, 422)},
    openapi_extra=access(chief="station", admin="all"),
)
@located("get_vehicle")
def create_vehicle(request, payload: VehicleIn):
    require_role(request, Role.ADMIN, Role.CHIEF)
    data = payload.dict()
    station_id = data.pop("station_id")
    station = None
    if request.auth.role == Role.ADMIN and station_id is not None:
        station = Station.objects.filter(pk=station_id).first()
        if station is None:
            raise field_not_found("station_id", _("Station inconnue."))
    return Status(201, services.create_vehicle(by=request.auth, station=station, **data))


@vehicles_router.get(
    "/{int:vehicle_id}",
    response={200: VehicleOut, **error_responses(401, 403, 404)},
    openapi_extra=access(chief="station", admin="all"),
)
@versioned()
def get_vehicle(request, vehicle_id: int):
    return _vehicle(request, vehicle_id)


@vehicles_router.patch(
    "/{int:vehicle_id}",
    response={200: VehicleOut, **error_responses(401, 403, 404, 409, 422)},
    openapi_extra=access(chief="station", admin="all"),
)
@versioned()
def update_vehicle(request, vehicle_id: int, payload: VehiclePatch):
    vehicle = _vehicle(request, vehicle_id)
    return services.update_vehicle(
        vehicle=vehicle, by=request.auth, **payload.dict(exclude_unset=True)
    )


@vehicles_router.delete(
    "/{int:vehicle_id}",
    response={204: None, **error_responses(401, 403, 404, 409)},
    openapi_extra=access(chief="station", admin="all"),
)
def delete_vehicle(request, vehicle_id: int):
    """Deletes a vehicle that never served; one with departures is deactivated instead (kept
    for history: GET then still shows it, with `active: false`). 204 either way."""
    services.remove_vehicle(vehicle=_vehicle(request, vehicle_id), by=request.auth)
    return Status(204, None)


__all__ = ["Vehicle"]


places_router = Router(tags=["places"])


class PlaceOut(Schema):
    kind: Literal["city", "station"]
    id: int | None = Field(description="the station's id (null for a city)")
    name: str
    name_ar: str
    city: str
    value: str = Field(description="what to send as origin or destination to /trips")
    label: str
    hint: str
    stations: int = Field(description="a city's active stations")


class PlacesPage(Page):
    """Places come a few at a time (a suggestion list): 8 by default, 20 at most."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int = Field(8, ge=1, le=20)


@places_router.get(
    "",
    response={200: list[PlaceOut], **error_responses(422)},
    openapi_extra=access(anonymous=True),
)
@paginate(PlacesPage)
def search_places(request, q: str = Query(..., min_length=1, max_length=60, pattern=LINE)):
    """Cities and stations of the network matching what was typed, best first: Latin or
    Arabic names, accents and case ignored, near misses found ("Soussa" → Sousse)."""
    from .places import search_places as find

    return [place.as_dict() for place in find(q, limit=None)]
