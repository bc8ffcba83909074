"""Partner webhooks (admins): endpoints, their delivery log, retries."""

import datetime as dt
import enum

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from louage.accounts.models import Role
from louage.core.api import (
    LINE,
    InputSchema,
    Page,
    access,
    error_responses,
    jwt_auth,
    lax,
    require_role,
)
from louage.core.errors import NotFound
from louage.core.events import PUBLIC_TYPES
from louage.core.idempotency import idempotent
from louage.core.operations import located

from . import services
from .models import Delivery, DeliveryStatus, Endpoint

router = Router(tags=["webhooks"], auth=jwt_auth)
ADMIN = access(admin="all")  # partners are set up by administrators only

# A named enum (a component of its own), so that generated clients get one `EventType`.
EventType = enum.StrEnum(
    "EventType", {name.replace(".", "_").upper(): name for name in PUBLIC_TYPES}
)


class EndpointOut(Schema):
    id: int
    url: str
    events: list[EventType]
    description: str
    active: bool
    created_at: dt.datetime
    failing_since: dt.datetime | None
    disabled_at: dt.datetime | None


class EndpointCreatedOut(EndpointOut):
    secret: str = Field(description="signs every delivery; shown this once, keep it")


URL = r"^https?://[^\s/?#@]+(?:[/?#]\S*)?$"  # an http(s) address with a host, no spaces


class EndpointIn(InputSchema):
    url: str = Field(
        min_length=8, max_length=500, pattern=URL, description="https:// address of the partner"
    )
    events: list[lax(EventType)] = Field(min_length=1, max_length=len(PUBLIC_TYPES))
    description: str = Field("", max_length=200, pattern=LINE)


class EndpointPatch(InputSchema):
    url: str | None = Field(None, min_length=8, max_length=500, pattern=URL)
    events: list[lax(EventType)] | None = Field(None, min_length=1, max_length=len(PUBLIC_TYPES))
    description: str | None = Field(None, max_length=200, pattern=LINE)
    active: bool | None = Field(None, description="true switches a disabled endpoint back on")


class DeliveryOut(Schema):
    id: int
    event_id: str
    event_type: str
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str
    next_attempt_at: dt.datetime | None
    delivered_at: dt.datetime | None
    created_at: dt.datetime

    @staticmethod
    def resolve_event_id(obj):
        return str(obj.event.event_id)

    @staticmethod
    def resolve_event_type(obj):
        return obj.event.type

    @staticmethod
    def resolve_next_attempt_at(obj):
        return obj.next_attempt_at if obj.status == "pending" else None


def _endpoint(request, endpoint_id):
    require_role(request, Role.ADMIN)
    endpoint = Endpoint.objects.filter(pk=endpoint_id).first()
    if endpoint is None:
        raise NotFound(_("Webhook introuvable."))
    return endpoint


@router.post(
    "",
    response={201: EndpointCreatedOut, **error_responses(401, 403, 422)},
    openapi_extra=ADMIN,
)
@idempotent
@located("get_webhook", parameter="endpoint_id")
def create_webhook(request, payload: EndpointIn):
    """Subscribe a partner URL to events; the answer carries the signing secret, once."""
    require_role(request, Role.ADMIN)
    endpoint, secret = services.create_endpoint(by=request.auth, **payload.dict())
    endpoint.secret = secret
    return Status(201, endpoint)


@router.get("", response={200: list[EndpointOut], **error_responses(401, 403)}, openapi_extra=ADMIN)
@paginate(Page)
def list_webhooks(request):
    require_role(request, Role.ADMIN)
    return Endpoint.objects.order_by("pk")


@router.get(
    "/{int:endpoint_id}",
    response={200: EndpointOut, **error_responses(401, 403, 404)},
    openapi_extra=ADMIN,
)
def get_webhook(request, endpoint_id: int):
    return _endpoint(request, endpoint_id)


@router.patch(
    "/{int:endpoint_id}",
    response={200: EndpointOut, **error_responses(401, 403, 404, 422)},
    openapi_extra=ADMIN,
)
def update_webhook(request, endpoint_id: int, payload: EndpointPatch):
    endpoint = _endpoint(request, endpoint_id)
    return services.update_endpoint(
        by=request.auth, endpoint=endpoint, **payload.dict(exclude_unset=True)
    )


@router.delete(
    "/{int:endpoint_id}",
    response={204: None, **error_responses(401, 403, 404)},
    openapi_extra=ADMIN,
)
def delete_webhook(request, endpoint_id: int):
    services.delete_endpoint(by=request.auth, endpoint=_endpoint(request, endpoint_id))
    return Status(204, None)


@router.get(
    "/{int:endpoint_id}/deliveries",
    response={200: list[DeliveryOut], **error_responses(401, 403, 404)},
    openapi_extra=ADMIN,
)
@paginate(Page)
def list_webhook_deliveries(request, endpoint_id: int):
    """The delivery log, newest first."""
    endpoint = _endpoint(request, endpoint_id)
    return Delivery.objects.filter(endpoint=endpoint).select_related("event").order_by("-pk")


@router.post(
    "/{int:endpoint_id}/deliveries/{int:delivery_id}/retry",
    response={200: DeliveryOut, **error_responses(401, 403, 404, 409)},
    openapi_extra=ADMIN,
)
def retry_webhook_delivery(request, endpoint_id: int, delivery_id: int):
    """Send a failed (or still pending) delivery again now."""
    endpoint = _endpoint(request, endpoint_id)
    delivery = (
        Delivery.objects.select_related("event", "endpoint")
        .filter(pk=delivery_id, endpoint=endpoint)
        .first()
    )
    if delivery is None:
        raise NotFound(_("Livraison introuvable."))
    return services.retry_delivery(by=request.auth, delivery=delivery)


# --- What partners receive (the document's `webhooks`) ------------------------------------


class WebhookEvent(Schema):
    """The body of every delivery (POST, JSON, signed)."""

    id: str = Field(description="the event's id (a UUID): deliveries may repeat, keep it to "
                    "act once")  # fmt: skip
    type: EventType
    created_at: dt.datetime = Field(
        description="when it happened: Tunis time with its offset, to the millisecond, as "
        "every time of the API"
    )
    data: dict = Field(
        description="a snapshot of the object: a reservation (as `ReservationOut`, without the "
        "traveller's name, email or phone), a departure (as `TripOut`) or a payment (as "
        "`PaymentOut`), by the event type's prefix"
    )


def webhooks_document():
    """OpenAPI 3.1 `webhooks` for every event type partners may subscribe to, and the
    component schemas they use."""
    schema = WebhookEvent.model_json_schema(ref_template="#/components/schemas/{model}")
    components = schema.pop("$defs", {})
    components["WebhookEvent"] = schema
    headers = [
        {"name": "X-Louage-Event", "in": "header", "required": True,
         "schema": {"$ref": "#/components/schemas/EventType"}},
        {"name": "X-Louage-Delivery", "in": "header", "required": True,
         "schema": {"type": "string"}, "description": "the delivery's id (the log's)"},
        {"name": "X-Louage-Signature", "in": "header", "required": True,
         "schema": {"type": "string"},
         "description": "`t=<unix time>,v1=<hex HMAC-SHA256 of \"<t>.\" + body>` with the "
         "endpoint's secret; refuse a signature older than 5 minutes"},
    ]  # fmt: skip
    webhooks = {
        event: {
            "post": {
                "summary": f"{event}",
                "operationId": "on"
                + "".join(p.title() for p in event.replace("_", ".").split(".")),
                "parameters": headers,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/WebhookEvent"}
                        }
                    },
                },  # fmt: skip
                "responses": {"2XX": {"description": "received; anything else is retried"}},
            }
        }
        for event in PUBLIC_TYPES
    }
    return webhooks, components
