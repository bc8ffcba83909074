from ninja import Router
from pydantic import Field

from louage.booking.api import ReservationOut
from louage.booking.selectors import visible_reservation
from louage.core.api import LINE, InputSchema, access, error_responses, jwt_auth

from . import services

router = Router(tags=["tickets"], auth=jwt_auth)


class CheckInIn(InputSchema):
    code: str = Field(
        min_length=1,
        max_length=500,
        pattern=LINE,
        description="the QR token or the 8-character reference",
    )


@router.post(
    "/check-in",
    response={200: ReservationOut, **error_responses(401, 403, 404, 409, 422)},
    openapi_extra=access(chief="station"),
)
def check_in(request, payload: CheckInIn):
    reservation = services.check_in(code_or_token=payload.code, by=request.auth)
    return visible_reservation(request.auth, reservation.pk)
