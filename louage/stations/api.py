"""Stations (public read, admin write) and vehicles (chief of the station, admin)."""

from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, Field

from louage.accounts.models import Role
from louage.core.api import Page, error_responses, jwt_auth, require_role
from louage.core.errors import NotFound

from . import selectors, services
from .models import Station, Vehicle

stations_router = Router(tags=["stations"])
vehicles_router = Router(tags=["vehicles"], auth=jwt_auth)


class StrictSchema(Schema):
    model_config = ConfigDict(extra="forbid")


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


class StationIn(StrictSchema):
    name: str = Field(max_length=120)
    name_ar: str = Field("", max_length=120)
    city: str = Field(max_length=60)
    phone: str = Field("", max_length=32)
    address: str = Field("", max_length=255)
    latitude: Decimal
    longitude: Decimal
    chief_id: int | None = None


class StationPatch(StrictSchema):
    name: str | None = Field(None, max_length=120)
    name_ar: str | None = Field(None, max_length=120)
    city: str | None = Field(None, max_length=60)
    phone: str | None = Field(None, max_length=32)
    address: str | None = Field(None, max_length=255)
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    chief_id: int | None = None
    is_active: bool | None = None


class VehicleOut(Schema):
    id: int
    plate: str
    owner_name: str
    owner_phone: str
    seats: int
    station_id: int
    active: bool


class VehicleIn(StrictSchema):
    plate: str = Field(max_length=30)
    owner_name: str = Field(max_length=150)
    owner_phone: str = Field("", max_length=32)
    seats: int = 8
    active: bool = True
    station_id: int | None = None


class VehiclePatch(StrictSchema):
    plate: str | None = Field(None, max_length=30)
    owner_name: str | None = Field(None, max_length=150)
    owner_phone: str | None = Field(None, max_length=32)
    seats: int | None = None
    active: bool | None = None


class RemovedOut(Schema):
    detail: str
    result: str


def _station(station_id):
    station = Station.objects.select_related("chief").filter(pk=station_id).first()
    if station is None:
        raise NotFound(_("Station introuvable."))
    return station


@stations_router.get("", response=list[StationOut])
@paginate(Page)
def list_stations(
    request, q: str = Query("", max_length=100), city: str = Query("", max_length=60)
):
    return selectors.search_stations(query=q, city=city)


@stations_router.get("/{int:station_id}", response={200: StationOut, **error_responses(404)})
def get_station(request, station_id: int):
    return _station(station_id)


@stations_router.post(
    "", auth=jwt_auth, response={201: StationOut, **error_responses(401, 403, 422)}
)
def create_station(request, payload: StationIn):
    require_role(request, Role.ADMIN)
    station = services.create_station(by=request.auth, **payload.dict())
    return Status(201, _station(station.pk))


@stations_router.patch(
    "/{int:station_id}",
    auth=jwt_auth,
    response={200: StationOut, **error_responses(401, 403, 404, 422)},
)
def update_station(request, station_id: int, payload: StationPatch):
    require_role(request, Role.ADMIN)
    station = services.update_station(
        station=_station(station_id), by=request.auth, **payload.dict(exclude_unset=True)
    )
    return _station(station.pk)


@stations_router.delete(
    "/{int:station_id}", auth=jwt_auth, response={204: None, **error_responses(401, 403, 404, 409)}
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


@vehicles_router.get("", response={200: list[VehicleOut], **error_responses(401, 403)})
@paginate(Page)
def list_vehicles(request, active: bool | None = None):
    require_role(request, Role.ADMIN, Role.CHIEF)
    return selectors.vehicles_for_user(request.auth, active=active)


@vehicles_router.post("", response={201: VehicleOut, **error_responses(401, 403, 422)})
def create_vehicle(request, payload: VehicleIn):
    require_role(request, Role.ADMIN, Role.CHIEF)
    data = payload.dict()
    station_id = data.pop("station_id")
    station = None
    if request.auth.role == Role.ADMIN and station_id is not None:
        station = Station.objects.filter(pk=station_id).first()
        if station is None:
            raise services._invalid("station_id", _("Station inconnue."))
    return Status(201, services.create_vehicle(by=request.auth, station=station, **data))


@vehicles_router.get(
    "/{int:vehicle_id}", response={200: VehicleOut, **error_responses(401, 403, 404)}
)
def get_vehicle(request, vehicle_id: int):
    return _vehicle(request, vehicle_id)


@vehicles_router.patch(
    "/{int:vehicle_id}", response={200: VehicleOut, **error_responses(401, 403, 404, 422)}
)
def update_vehicle(request, vehicle_id: int, payload: VehiclePatch):
    vehicle = _vehicle(request, vehicle_id)
    return services.update_vehicle(
        vehicle=vehicle, by=request.auth, **payload.dict(exclude_unset=True)
    )


@vehicles_router.delete(
    "/{int:vehicle_id}", response={200: RemovedOut, **error_responses(401, 403, 404)}
)
def delete_vehicle(request, vehicle_id: int):
    """Deletes a vehicle that never served; one with departures is deactivated (kept for history)."""
    result = services.remove_vehicle(vehicle=_vehicle(request, vehicle_id), by=request.auth)
    message = (
        _("Véhicule supprimé.")
        if result == "deleted"
        else _("Ce véhicule a déjà servi : il a été mis hors service.")
    )
    return {"detail": message, "result": result}


__all__ = ["Vehicle"]


places_router = Router(tags=["places"])


class PlaceOut(Schema):
    kind: str = Field(description='"city" or "station"')
    id: int | None = Field(description="the station's id (null for a city)")
    name: str
    name_ar: str
    city: str
    value: str = Field(description="what to send as origin or destination to /trips")
    label: str
    hint: str
    stations: int = Field(description="a city's active stations")


class PlacesOut(Schema):
    items: list[PlaceOut]
    count: int


@places_router.get("", response={200: PlacesOut, **error_responses(422)})
def search_places(
    request, q: str = Query(..., min_length=1, max_length=60), limit: int = Query(8, ge=1, le=20)
):
    """Cities and stations of the network matching what was typed: Latin or Arabic names,
    accents and case ignored, near misses found ("Soussa" → Sousse)."""
    from .places import search_places as find

    items = [place.as_dict() for place in find(q, limit=limit)]
    return {"items": items, "count": len(items)}
