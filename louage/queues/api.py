"""Depart-when-full queues: anyone reads them; the station's chief (and admins) run them."""

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from louage.booking.api import ReservationOut, Seats
from louage.booking.selectors import visible_reservation
from louage.core.api import (
    LINE,
    MAX_ID,
    PAGE_FIELDS,
    Id,
    InputSchema,
    access,
    error_responses,
    jwt_auth,
    omittable,
    page_links,
)
from louage.core.errors import NotFound
from louage.core.idempotency import idempotent
from louage.core.operations import located
from louage.trips.api import StationRef, TripOut

from . import selectors, services
from .models import Queue

router = Router(tags=["queues"])
STATION_STAFF = access(chief="station", admin="all")


class WaitingOut(Schema):
    vehicle_id: int
    plate: str
    seats: int
    seats_available: int = Field(description="free seats (bookings may land on a waiting vehicle)")
    trip_id: int | None
    estimated_departure: dt.datetime | None

    @staticmethod
    def resolve_vehicle_id(obj):
        return obj.vehicle.pk

    @staticmethod
    def resolve_plate(obj):
        return obj.vehicle.plate

    @staticmethod
    def resolve_seats(obj):
        return obj.vehicle.seats

    @staticmethod
    def resolve_trip_id(obj):
        return obj.turn.trip_id


class QueueOut(Schema):
    id: int
    station_id: int
    station: StationRef
    destination_id: int
    destination: StationRef
    loading_trip: TripOut | None = Field(
        description="the vehicle loading now (kind `queue`: its `departure` is when it started "
        "loading, then when it left)"
    )
    loading_full: bool = Field(description="the chief declared the loading vehicle full")
    waiting: list[WaitingOut]
    estimated_departure: dt.datetime | None = Field(
        description="an estimate for the loading vehicle, from the station's recent fill rate"
    )
    fare: int | None = Field(description="official fare per seat, in millimes")

    @staticmethod
    def resolve_station_id(obj):
        return obj.queue.station_id

    @staticmethod
    def resolve_station(obj):
        return obj.queue.station

    @staticmethod
    def resolve_destination_id(obj):
        return obj.queue.destination_id

    @staticmethod
    def resolve_destination(obj):
        return obj.queue.destination

    @staticmethod
    def resolve_loading_trip(obj):
        return obj.loading.trip if obj.loading else None

    @staticmethod
    def resolve_loading_full(obj):
        return bool(obj.loading and obj.loading.turn.full_at)


class QueuePage(Schema):
    items: list[QueueOut]
    count: int = Field(description=PAGE_FIELDS["count"])
    next: str | None = Field(description=PAGE_FIELDS["next"])
    previous: str | None = Field(description=PAGE_FIELDS["previous"])


class QueueFilters(Schema):
    station_id: int = Field(None, ge=1, le=MAX_ID)
    destination_id: int = Field(None, ge=1, le=MAX_ID)
    origin: str = Field("", max_length=60, pattern=LINE, description="station id or city name")
    destination: str = Field("", max_length=60, pattern=LINE, description="station id or city name")
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(20, ge=1, le=100)


class QueueIn(InputSchema):
    destination_id: Id
    station_id: Id = omittable(description="admins only; a chief's queue is at its station")


class QueueVehicleIn(InputSchema):
    vehicle_id: Id


class OrderIn(InputSchema):
    vehicle_ids: list[Id] = Field(
        max_length=200, description="every waiting vehicle once (the loading one may lead)"
    )


class SeatsIn(InputSchema):
    seats: Seats


def _queue(queue_id):
    queue = Queue.objects.filter(pk=queue_id).first()
    if queue is None:
        raise NotFound(_("File d'attente introuvable."))
    return queue


def _view(queue_id):
    view = selectors.queue_view(queue_id)
    if view is None:
        raise NotFound(_("File d'attente introuvable."))
    return view


@router.get(
    "", response={200: QueuePage, **error_responses(422)}, openapi_extra=access(anonymous=True)
)
def list_queues(request, filters: Query[QueueFilters]):
    queues = selectors.search_queues(
        station_id=filters.station_id,
        destination_id=filters.destination_id,
        origin=filters.origin,
        destination=filters.destination,
    )
    start = (filters.page - 1) * filters.page_size
    count = queues.count()
    return {
        "items": selectors.build_views(queues[start : start + filters.page_size]),
        "count": count,
        **page_links(request, filters.page, filters.page_size, count),
    }


@router.get(
    "/{int:queue_id}",
    response={200: QueueOut, **error_responses(404)},
    openapi_extra=access(anonymous=True),
)
def get_queue(request, queue_id: int):
    return _view(queue_id)


@router.post(
    "",
    auth=jwt_auth,
    response={201: QueueOut, **error_responses(401, 403, 404, 409, 422)},
    openapi_extra=STATION_STAFF,
)
@located("get_queue")
def create_queue(request, payload: QueueIn):
    queue = services.create_queue(by=request.auth, **payload.dict())
    return Status(201, _view(queue.pk))


@router.post(
    "/{int:queue_id}/vehicles",
    auth=jwt_auth,
    response={201: QueueOut, **error_responses(401, 403, 404, 409, 422)},
    openapi_extra=STATION_STAFF,
)
@located("get_queue")
def add_queue_vehicle(request, queue_id: int, payload: QueueVehicleIn):
    """Append an arriving vehicle of the station (409 when already queued or on a live departure)."""
    services.add_vehicle(queue=_queue(queue_id), by=request.auth, vehicle_id=payload.vehicle_id)
    return Status(201, _view(queue_id))


@router.delete(
    "/{int:queue_id}/vehicles/{int:vehicle_id}",
    auth=jwt_auth,
    response={204: None, **error_responses(401, 403, 404, 409)},
    openapi_extra=STATION_STAFF,
)
def remove_queue_vehicle(request, queue_id: int, vehicle_id: int):
    """Take a waiting vehicle out of the queue (GET the queue for its new order)."""
    services.remove_vehicle(queue=_queue(queue_id), by=request.auth, vehicle_id=vehicle_id)
    return Status(204, None)


@router.put(
    "/{int:queue_id}/order",
    auth=jwt_auth,
    response={200: QueueOut, **error_responses(401, 403, 404, 409, 422)},
    openapi_extra=STATION_STAFF,
)
def reorder_queue(request, queue_id: int, payload: OrderIn):
    """Every waiting vehicle, once, in the new order (the loading one stays at the head)."""
    services.reorder(queue=_queue(queue_id), by=request.auth, vehicle_ids=payload.vehicle_ids)
    return _view(queue_id)


@router.post(
    "/{int:queue_id}/walk-ins",
    auth=jwt_auth,
    response={201: ReservationOut, **error_responses(401, 403, 404, 409, 422)},
    openapi_extra=STATION_STAFF,
)
@idempotent
@located("get_reservation")
def count_walk_in(request, queue_id: int, payload: SeatsIn):
    """Travellers who got in at the door, paid in cash: a confirmed (boarded) reservation on
    the loading vehicle; 409 when it has fewer free seats."""
    reservation = services.count_walk_in(
        queue=_queue(queue_id), seats=payload.seats, by=request.auth
    )
    return Status(201, visible_reservation(request.auth, reservation.pk))


@router.post(
    "/{int:queue_id}/full",
    auth=jwt_auth,
    response={200: QueueOut, **error_responses(401, 403, 404, 409)},
    openapi_extra=STATION_STAFF,
)
def mark_queue_full(request, queue_id: int):
    """Declare the loading vehicle full: online sales go to the next vehicle and the no-show
    grace period starts."""
    services.mark_full(queue=_queue(queue_id), by=request.auth)
    return _view(queue_id)


@router.post(
    "/{int:queue_id}/no-shows",
    auth=jwt_auth,
    response={200: list[ReservationOut], **error_responses(401, 403, 404, 409)},
    openapi_extra=STATION_STAFF,
)
def release_no_shows(request, queue_id: int):
    """After the grace period, release the seats of online travellers who have not boarded
    (fare kept or refunded by the station's policy); returns their reservations."""
    released = services.release_no_shows(queue=_queue(queue_id), by=request.auth)
    return [visible_reservation(request.auth, r.pk) for r in released]
