"""GET /api/v1/audit: who changed what, when, from where (admins: all; chiefs: own station)."""

import datetime as dt
from typing import Any

from ninja import Query, Router, Schema
from ninja.pagination import paginate
from pydantic import Field

from louage.accounts.models import Role
from louage.core.api import IsoDate, Page, access, error_responses, jwt_auth, require_role

from . import selectors

router = Router(tags=["audit"], auth=jwt_auth)


class AuditOut(Schema):
    id: int
    created_at: dt.datetime
    actor_id: int | None
    actor: str | None
    action: str
    object_type: str
    object_id: str
    station_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    data: dict[str, Any]
    ip: str | None
    request_id: str

    # A chief reads no personal data of travellers: selectors.actor_of / ip_of decide.
    @staticmethod
    def resolve_actor_id(obj, context):
        return selectors.actor_of(obj, context["request"].auth)[0]

    @staticmethod
    def resolve_actor(obj, context):
        return selectors.actor_of(obj, context["request"].auth)[1]

    @staticmethod
    def resolve_ip(obj, context):
        return selectors.ip_of(obj, context["request"].auth)


class AuditFilters(Schema):
    station_id: int | None = Field(None, ge=1, le=2**62)
    actor_id: int | None = Field(None, ge=1, le=2**62)
    action: str = Field("", max_length=64, pattern=r"^[a-z_.]*$")
    date_from: IsoDate | None = Field(None, alias="from")
    date_to: IsoDate | None = Field(None, alias="to")


@router.get(
    "",
    response={200: list[AuditOut], **error_responses(401, 403, 422)},
    openapi_extra=access(chief="station", admin="all"),
)
@paginate(Page)
def list_audit_entries(request, filters: Query[AuditFilters]):
    """Newest first; `action` is one action or a family ending with a dot (`trip.`); `from`
    and `to` are Africa/Tunis days. A chief reads its own station's entries only (another
    station's id is a 403), without travellers' personal data: `actor` is a staff member's
    name and role or a traveller's role alone (`actor_id` null), `ip` is null, and
    `actor_id` filters on staff."""
    require_role(request, Role.ADMIN, Role.CHIEF)
    return selectors.entries(
        user=request.auth, station_id=filters.station_id, actor_id=filters.actor_id,
        action=filters.action, day_from=filters.date_from, day_to=filters.date_to,
    )  # fmt: skip
