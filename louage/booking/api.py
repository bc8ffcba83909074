"""Reservations API: clients hold and cancel; chiefs confirm with cash, sell at the desk, cancel."""

import datetime as dt
from typing import Annotated

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, Field, model_validator

from louage.accounts.models import Role
from louage.core import throttles
from louage.core.api import (
    LINE,
    MAX_ID,
    NAME,
    PDF,
    PHONE,
    Id,
    InputSchema,
    Page,
    access,
    error_responses,
    jwt_auth,
    omittable,
    optional_body,
    raises,
    require_role,
)
from louage.core.errors import InvalidTransition, NotFound
from louage.core.idempotency import idempotent
from louage.core.operations import located
from louage.tickets.tokens import ticket_token
from louage.trips.api import TripOut
from louage.trips.models import Trip

from . import selectors, services
from .models import ReservationStatus

router = Router(tags=["reservations"], auth=jwt_auth)


class ReservationOut(Schema):
    id: int
    code: str
    trip_id: int
    trip: TripOut
    seats: int
    total_price: int
    status: ReservationStatus
    expires_at: dt.datetime | None
    created_at: dt.datetime
    confirmed_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    passenger_name: str
    passenger_phone: str
    ticket_token: str | None = Field(
        description="confirmed or boarded: the signed ticket (`LT1.…`), what its QR code "
        "holds, verifiable offline with GET /api/v1/tickets/keys; null before"
    )

    @staticmethod
    def resolve_ticket_token(obj):
        if obj.status in (ReservationStatus.CONFIRMED, ReservationStatus.BOARDED):
            return ticket_token(obj)
        return None

    estimated_departure: dt.datetime | None = Field(
        None,
        description="a depart-when-full louage (`trip.kind` `queue`) still at its station: when "
        "its vehicle is estimated to leave, from the station's recent fill rate (the same "
        "estimate as the pages; null until the station has recent departures). Its "
        "`trip.departure` is when the vehicle started loading. Null for a timed departure. "
        "A client may cancel such a paid seat, refunded in full, until the vehicle is marked "
        "full or leaves.",
    )

    @staticmethod
    def resolve_estimated_departure(obj):
        from louage.queues.selectors import estimated_departure_of

        return estimated_departure_of(obj.trip)

    @staticmethod
    def resolve_passenger_name(obj):
        return obj.traveller_name

    @staticmethod
    def resolve_trip(obj):
        if hasattr(obj, "trip_route_minutes"):
            obj.trip.route_minutes = obj.trip_route_minutes  # see selectors._base
        return obj.trip


Seats = Annotated[int, Field(ge=1, le=8, description="1 to 8")]


class TripOrQueue(InputSchema):
    """A departure (`trip_id`) or "the next louage" of a depart-when-full queue
    (`queue_id`): exactly one of the two, checked by the server (422 `invalid` otherwise).
    A plain object, so that generated clients type it; `x-exactly-one-of` says the rule
    to programs."""

    model_config = ConfigDict(json_schema_extra={"x-exactly-one-of": ["trip_id", "queue_id"]})

    trip_id: Id = omittable(description="the departure; leave out when `queue_id` is given")
    queue_id: Id = omittable(
        description="a depart-when-full queue: a seat in its next louage; leave out when "
        "`trip_id` is given"
    )

    @model_validator(mode="after")
    def _exactly_one(self):
        if (self.trip_id is None) == (self.queue_id is None):
            raise ValueError("give exactly one of trip_id and queue_id")
        return self


class ReserveIn(TripOrQueue):
    """Only the departure (or queue) and the number of seats: the server sets every price."""

    seats: Seats


class DeskSaleIn(TripOrQueue):
    seats: Seats
    passenger_name: str = Field(min_length=1, max_length=150, pattern=NAME)
    passenger_phone: str = Field("", max_length=32, pattern=PHONE)


class CancelIn(InputSchema):
    reason: str = Field("", max_length=200, pattern=LINE)


def _trip(trip_id):
    trip = Trip.objects.filter(pk=trip_id).first()
    if trip is None:
        raise NotFound(_("Départ introuvable."))
    return trip


def _queue(queue_id):
    from louage.queues.models import Queue

    queue = Queue.objects.filter(pk=queue_id).first()
    if queue is None:
        raise NotFound(_("File d'attente introuvable."))
    return queue


@router.post(
    "",
    response={201: ReservationOut, **error_responses(401, 403, 404, 409, 422, 429)},
    openapi_extra={
        **access(client="own"),
        **raises(
            "email_unverified",
            "phone_required",
            "not_enough_seats",
            "trip_not_bookable",
            "book_the_queue",
            "too_many_holds",
            "too_many_held_seats",
            "hold_cooldown",
            "queue_empty",
            "no_official_fare",
        ),  # fmt: skip
    },
)
@idempotent
@located("get_reservation")
def reserve_seats(request, payload: ReserveIn):
    """`{"trip_id", "seats"}` holds seats on that departure; `{"queue_id", "seats"}` in the
    next louage of the queue (the loading vehicle, or the next one with room: the reservation's
    `trip.vehicle_plate` says which)."""
    throttles.take(
        request, "api-booking", settings.API_RATE_BOOKING, throttles.account_key(request.auth)
    )
    if payload.queue_id is not None:
        from louage.queues.services import reserve_next_louage

        reservation = reserve_next_louage(
            queue=_queue(payload.queue_id), client=request.auth, seats=payload.seats
        )
        return Status(201, selectors.visible_reservation(request.auth, reservation.pk))
    # The hot path: the service locks the departure (404 when there is none) and hands back the
    # reservation with its departure as written, so the answer needs no second read.
    reservation = services.reserve_seats(
        trip=Trip(pk=payload.trip_id), client=request.auth, seats=payload.seats
    )
    return Status(201, reservation)


@router.post(
    "/desk",
    response={201: ReservationOut, **error_responses(401, 403, 404, 409, 422)},
    openapi_extra=access(chief="station"),
)
@idempotent
@located("get_reservation")
def sell_at_desk(request, payload: DeskSaleIn):
    require_role(request, Role.CHIEF)
    if payload.queue_id is not None:
        from louage.queues.services import sell_next_louage

        reservation = sell_next_louage(
            queue=_queue(payload.queue_id),
            seats=payload.seats,
            passenger_name=payload.passenger_name,
            passenger_phone=payload.passenger_phone,
            by=request.auth,
        )
    else:
        reservation = services.sell_at_desk(
            trip=_trip(payload.trip_id),
            seats=payload.seats,
            passenger_name=payload.passenger_name,
            passenger_phone=payload.passenger_phone,
            by=request.auth,
        )
    return Status(201, selectors.visible_reservation(request.auth, reservation.pk))


@router.get(
    "",
    response={200: list[ReservationOut], **error_responses(401, 422)},
    openapi_extra=access(client="own", chief="station", admin="all"),
)
@paginate(Page)
def list_reservations(
    request, status: ReservationStatus = None, trip_id: int = Query(None, ge=1, le=MAX_ID)
):
    return selectors.reservations_for_user(request.auth, status=status, trip_id=trip_id)


@router.get(
    "/{int:reservation_id}",
    response={200: ReservationOut, **error_responses(401, 404)},
    openapi_extra=access(client="own", chief="station", admin="all"),
)
def get_reservation(request, reservation_id: int):
    return selectors.visible_reservation(request.auth, reservation_id)


@router.post(
    "/{int:reservation_id}/cancel",
    response={200: ReservationOut, **error_responses(401, 403, 404, 409, 422)},
    openapi_extra={**access(client="own", chief="station", admin="all"), **raises("refund_cutoff")},
)
def cancel_reservation(request, reservation_id: int):
    """Optional body: {"reason": "..."}."""
    reservation = selectors.visible_reservation(request.auth, reservation_id)
    payload = optional_body(request, CancelIn)
    services.cancel_reservation(
        reservation=reservation, by=request.auth, reason=payload.reason if payload else ""
    )
    return selectors.visible_reservation(request.auth, reservation_id)


@router.post(
    "/{int:reservation_id}/confirm",
    response={200: ReservationOut, **error_responses(401, 403, 404, 409)},
    openapi_extra=access(chief="station"),
)
@idempotent
def confirm_with_cash(request, reservation_id: int):
    require_role(request, Role.CHIEF)
    reservation = selectors.visible_reservation(request.auth, reservation_id)
    services.record_cash_payment(reservation=reservation, by=request.auth)
    return selectors.visible_reservation(request.auth, reservation_id)


@router.get(
    "/{int:reservation_id}/ticket.pdf",
    response={200: None, **error_responses(401, 403, 404, 409)},
    openapi_extra={
        **access(client="own", chief="station", admin="all"),
        "responses": {200: {"description": "The ticket", "content": PDF}},
    },
)
def get_ticket_pdf(request, reservation_id: int):
    """The PDF ticket of a confirmed (or boarded) reservation: client own, chief own station."""
    from django.http import HttpResponse

    from louage.tickets.pdf import render_ticket_pdf

    reservation = selectors.visible_reservation(request.auth, reservation_id)
    if reservation.status not in (ReservationStatus.CONFIRMED, ReservationStatus.BOARDED):
        raise InvalidTransition(
            _("Le billet est disponible une fois la réservation payée."), code="not_confirmed"
        )
    response = HttpResponse(render_ticket_pdf(reservation), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="billet-{reservation.code}.pdf"'
    return response
