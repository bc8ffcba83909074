import datetime as dt

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from louage.core.api import TEXT, Id, InputSchema, Page, access, error_responses, jwt_auth
from louage.core.errors import NotFound
from louage.trips.models import Trip

from . import services
from .models import Notification

router = Router(tags=["notifications"], auth=jwt_auth)
notices_router = Router(tags=["notices"], auth=jwt_auth)


class NotificationOut(Schema):
    id: int
    kind: str
    reservation_id: int | None
    title: str
    body: str
    created_at: dt.datetime
    read_at: dt.datetime | None

    # Written in the request's language (Accept-Language, else the account's), whatever
    # language it was first written in.
    @staticmethod
    def resolve_title(obj):
        return services.localize(obj)[0]

    @staticmethod
    def resolve_body(obj):
        return services.localize(obj)[1]


class NoticeIn(InputSchema):
    trip_ids: list[Id] = Field(
        min_length=1, max_length=100, description="departures of your station"
    )
    text: str = Field(min_length=1, max_length=1000, pattern=TEXT)


class UnreachedOut(Schema):
    reservation_code: str
    passenger_name: str
    passenger_phone: str
    reason: str


class NoticeOut(Schema):
    id: int
    recipients: int
    unreached: list[UnreachedOut]


@router.get(
    "",
    response={200: list[NotificationOut], **error_responses(401, 422)},
    openapi_extra=access(client="own", chief="own", admin="own"),
)
@paginate(Page)
def list_notifications(request, unread: bool = False):
    notifications = Notification.objects.filter(user=request.auth)
    if unread:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications.order_by("-created_at", "-pk")


@router.post(
    "/{int:notification_id}/read",
    response={200: NotificationOut, **error_responses(401, 404)},
    openapi_extra=access(client="own", chief="own", admin="own"),
)
def mark_notification_read(request, notification_id: int):
    notification = Notification.objects.filter(pk=notification_id, user=request.auth).first()
    if notification is None:
        raise NotFound(_("Notification introuvable."))
    return services.mark_read(notification=notification, by=request.auth)


@notices_router.post(
    "",
    response={201: NoticeOut, **error_responses(401, 403, 404, 422)},
    openapi_extra=access(chief="station"),
)
def post_notice(request, payload: NoticeIn):
    trips = list(Trip.objects.filter(pk__in=payload.trip_ids))
    if len(trips) != len(set(payload.trip_ids)):
        raise NotFound(_("Départ introuvable."))
    outcome = services.post_notice(by=request.auth, trips=trips, text=payload.text)
    unreached = [
        {
            "reservation_code": item.reservation.code,
            "passenger_name": item.name,
            "passenger_phone": item.phone,
            "reason": item.reason,
        }
        for item in outcome.unreached
    ]
    return Status(
        201, {"id": outcome.notice.pk, "recipients": outcome.reached, "unreached": unreached}
    )
