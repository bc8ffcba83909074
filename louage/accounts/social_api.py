"""POST /api/v1/auth/social/{provider}: a provider's token → the `/auth/token` pair."""

from django.conf import settings
from ninja import Router
from pydantic import Field

from louage.core import throttles
from louage.core.api import InputSchema, access, error_responses

from . import sessions, social
from .api import TokenOut

social_router = Router(tags=["auth"])


class SocialTokenIn(InputSchema):
    """`id_token` for Google and OpenID Connect, `access_token` for Facebook; `nonce` when the
    app put one in its sign-in request."""

    id_token: str | None = Field(None, min_length=1, max_length=16384)
    access_token: str | None = Field(None, min_length=1, max_length=4096)
    nonce: str | None = Field(None, min_length=1, max_length=255)


@social_router.post(
    "/{provider}",
    response={200: TokenOut, **error_responses(401, 403, 404, 409, 422, 429, 503)},
    openapi_extra=access(anonymous=True),
)
def social_login(request, provider: str, payload: SocialTokenIn):
    """Sign in (or up) with what the provider's SDK returned: `google` and `oidc` take an ID
    token, `facebook` a user access token. Same account rules as the web pages; the answer is
    the pair `/auth/token` gives. A new account has no phone number yet: booking answers 409
    `phone_required` until `PATCH /me` sets one."""
    with throttles.failures_counted(
        request, "api-token-failed", settings.API_RATE_TOKEN, throttles.address_key(request)
    ):
        user = social.login_with_provider_token(
            request=request,
            provider_id=provider,
            id_token=payload.id_token,
            access_token=payload.access_token,
            nonce=payload.nonce,
        )
    return sessions.tokens_for(user)
