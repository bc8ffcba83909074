from django.http import HttpResponse
from ninja import Router, Schema
from pydantic import Field

from louage.booking.api import ReservationOut
from louage.booking.selectors import visible_reservation
from louage.core.api import LINE, InputSchema, access, error_responses, jwt_auth

from . import services, tokens

router = Router(tags=["tickets"], auth=jwt_auth)

KEYS_CACHE_SECONDS = 300


class CheckInIn(InputSchema):
    code: str = Field(
        min_length=1,
        max_length=500,
        pattern=LINE,
        description="the QR token or the 8-character reference",
    )
    trip_id: int | None = Field(
        default=None,
        ge=1,
        description="the departure boarding now; a ticket of another one is refused with 409 "
        "`other_departure` unless `confirm` (without it, a ticket whose departure is not the "
        "first to leave to its destination gets 409 `later_departure`)",
    )
    confirm: bool = Field(
        default=False, description="board even though the ticket is for another departure"
    )


class PublicKeyOut(Schema):
    kty: str = Field(description='"OKP"')
    crv: str = Field(description='"Ed25519"')
    alg: str = Field(description='"EdDSA"')
    use: str = Field(description='"sig"')
    kid: str = Field(description="key id: the first 8 hex digits of the key's SHA-256")
    x: str = Field(description="the raw 32-byte public key, base64url without padding")


class KeySetOut(Schema):
    keys: list[PublicKeyOut]


@router.post(
    "/check-in",
    response={200: ReservationOut, **error_responses(401, 403, 404, 409, 422)},
    openapi_extra=access(chief="station"),
)
def check_in_ticket(request, payload: CheckInIn):
    reservation = services.check_in(
        code_or_token=payload.code,
        by=request.auth,
        expected_trip_id=payload.trip_id,
        confirm=payload.confirm,
    )
    return visible_reservation(request.auth, reservation.pk)


@router.get(
    "/keys",
    auth=None,
    response=KeySetOut,
    url_name="ticket_keys",
    openapi_extra=access(anonymous=True),
)
def list_ticket_keys(request, response: HttpResponse):
    """The public keys that verify ticket QR tokens offline (a JSON Web Key Set, RFC 8037),
    the signing key first. A token names its key by `kid`: keep every key listed here, as
    tickets signed by an older key stay valid until their departure day is over.

    Token: `"LT1." + base64url(payload + signature)`; the payload is big-endian: version (1
    byte, 1), kid (4), trip id (8), station id (8), departure day (2, days since 1970-01-01
    in Tunis), expiry (4, Unix time), seats (1), code length (1), reservation code (ASCII);
    the signature is Ed25519 over the payload (64 bytes)."""
    response["Cache-Control"] = f"public, max-age={KEYS_CACHE_SECONDS}"
    return tokens.jwks()
