"""Accounts API: JWT tokens, the caller's own account (/me) and user management (admins)."""

from datetime import datetime
from typing import Annotated, Literal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja_jwt.exceptions import TokenError
from ninja_jwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from ninja_jwt.tokens import RefreshToken
from pydantic import ConfigDict, Field

from louage.core import throttles
from louage.core.api import (
    EMAIL,
    LINE,
    NAME,
    PHONE,
    InputSchema,
    Page,
    access,
    error_responses,
    jwt_auth,
    lax,
    omittable,
    require_role,
)
from louage.core.errors import NotAllowed, NotAuthenticated, NotFound
from louage.core.operations import located, versioned

from . import selectors, services, sessions
from .models import Role, User

auth_router = Router(tags=["auth"])
me_router = Router(tags=["me"], auth=jwt_auth)
users_router = Router(tags=["users"], auth=jwt_auth)


class UserOut(Schema):
    id: int
    email: str
    pending_email: str | None = Field(
        None, description="A new login email waiting for its confirmation link."
    )
    first_name: str
    last_name: str
    phone: str
    role: Role
    avatar_url: str | None
    date_joined: datetime

    @staticmethod
    def resolve_pending_email(user):
        return user.pending_email or None


Email = Annotated[str, Field(max_length=254, pattern=EMAIL, json_schema_extra={"format": "email"})]
Password = Annotated[str, Field(min_length=8, max_length=128, pattern=r"\D")]
Name = Annotated[str, Field(min_length=1, max_length=150, pattern=NAME)]
Phone = Annotated[
    str, Field(max_length=32, pattern=PHONE, description="Tunisian number, e.g. +21698123456")
]
Language = Literal["fr", "ar", "en"]


class RegisterIn(InputSchema):
    email: Email
    password: Password = Field(description="8 characters or more, not only digits, not common")
    first_name: Name
    last_name: Name
    phone: Phone = ""


class TokenIn(InputSchema):
    email: str = Field(max_length=254)
    password: str = Field(max_length=128)


class RefreshIn(InputSchema):
    refresh: str = Field(max_length=2048)


class TokenOut(Schema):
    access: str
    refresh: str


class MePatch(InputSchema):
    model_config = ConfigDict(json_schema_extra={"dependentRequired": {"email": ["password"]}})

    first_name: Name = omittable()
    last_name: Name = omittable()
    phone: Phone = omittable()
    email: Email = omittable(
        description="A new login email: needs `password`; it becomes the login once the link "
        "sent to it is opened (until then it shows as `pending_email`)."
    )
    password: str = omittable(
        min_length=1, max_length=128, description="The current password, to change `email`."
    )
    language: Language = omittable()


class PasswordIn(InputSchema):
    password: str = Field(max_length=128, description="the current password")


class PasswordChangeIn(InputSchema):
    old_password: str = Field(max_length=128)
    new_password: Password


class UserCreateIn(RegisterIn):
    role: lax(Role) = Role.CLIENT


class UserPatch(InputSchema):
    first_name: Name = omittable()
    last_name: Name = omittable()
    phone: Phone = omittable()
    email: Email = omittable(description="Refused (403 `owner_only`): owners change their own.")
    language: Language = omittable()
    role: lax(Role) = omittable()


class RegisteredOut(Schema):
    detail: str


class MessageOut(Schema):
    detail: str


def _refresh_user(raw):
    """Verify a refresh token (signature, expiry, not revoked) and return (token, user)."""
    try:
        refresh = RefreshToken(raw)
    except TokenError:
        raise NotAuthenticated(
            _("Jeton de rafraîchissement invalide, expiré ou révoqué."), code="token_invalid"
        ) from None
    user = User.objects.filter(pk=refresh.get("user_id"), is_active=True).first()
    if user is None or not sessions.is_current(refresh, user):
        raise NotAuthenticated(
            _("Jeton de rafraîchissement invalide, expiré ou révoqué."), code="token_invalid"
        )
    return refresh, user


def _revoke(refresh):
    """Blacklist once; a second use of the same token loses the unique-constraint race."""
    outstanding = OutstandingToken.objects.filter(jti=refresh["jti"]).first()
    if outstanding is None:
        raise NotAuthenticated(_("Jeton de rafraîchissement inconnu."), code="token_invalid")
    try:
        with transaction.atomic():
            BlacklistedToken.objects.create(token=outstanding)
    except IntegrityError:
        raise NotAuthenticated(
            _("Ce jeton de rafraîchissement a déjà été utilisé."), code="token_reused"
        ) from None


@auth_router.post(
    "/register",
    response={202: RegisteredOut, **error_responses(422, 429)},
    openapi_extra=access(anonymous=True),
)
def register_account(request, payload: RegisterIn):
    """Create a client account, activated by the link emailed to it. The answer is the same
    for an address that already has an account (its owner gets an email instead). Sign-ups
    are limited per address (a high ceiling) and per email address (each sends an email)."""
    rates = throttles.per(settings.API_RATE_REGISTER)
    throttles.take(request, "api-register", rates.get("ip"), throttles.address_key(request))
    email = payload.email.strip().lower()
    throttles.take(request, "api-register-email", rates.get("key"), email)
    services.register_client(request=request, **payload.dict())
    return Status(202, {"detail": registered_message(payload.email.strip().lower())})


def registered_message(email):
    return _(
        "Un e-mail vient d'être envoyé à %(email)s : ouvrez son lien pour activer le compte."
    ) % {"email": email}


@auth_router.post(
    "/token",
    response={200: TokenOut, **error_responses(401, 403, 422, 429)},
    openapi_extra=access(anonymous=True),
)
def obtain_token(request, payload: TokenIn):
    """Email and password → an access token (15 minutes) and a refresh token. Failed attempts
    are limited per account and per address, in the same budget as the web login form; a
    correct password is never refused for the traffic of others."""
    user = sessions.authenticate_password(
        request, email=payload.email.strip(), password=payload.password
    )
    if user is None or not user.is_active:
        raise NotAuthenticated(_("E-mail ou mot de passe incorrect."), code="bad_credentials")
    services.check_may_log_in(user=user, request=request)
    return sessions.tokens_for(user)


@auth_router.post(
    "/token/refresh",
    response={200: TokenOut, **error_responses(401, 422, 429)},
    openapi_extra=access(anonymous=True),
)
def refresh_token(request, payload: RefreshIn):
    """A refresh token → a new pair; the old refresh token is revoked. Invalid tokens are
    counted per address."""
    with throttles.failures_counted(
        request, "api-token-failed", settings.API_RATE_TOKEN, throttles.address_key(request)
    ):
        refresh, user = _refresh_user(payload.refresh)
        _revoke(refresh)
    return sessions.tokens_for(user)


@auth_router.post(
    "/logout",
    auth=jwt_auth,
    response={204: None, **error_responses(401, 422)},
    openapi_extra=access(client="own", chief="own", admin="own"),
)
def logout(request, payload: RefreshIn):
    refresh, user = _refresh_user(payload.refresh)
    if user.pk != request.auth.pk:
        raise NotAuthenticated(_("Ce jeton n'appartient pas à votre compte."), code="token_invalid")
    _revoke(refresh)
    return Status(204, None)


@me_router.get(
    "",
    response={200: UserOut, **error_responses(401)},
    openapi_extra=access(client="own", chief="own", admin="own"),
)
@versioned()
def get_me(request):
    return request.auth


@me_router.patch(
    "",
    response={200: UserOut, **error_responses(401, 403, 422)},
    openapi_extra=access(client="own", chief="own", admin="own"),
)
@transaction.atomic
@versioned()
def update_me(request, payload: MePatch):
    changes = payload.dict(exclude_unset=True)
    password = changes.pop("password", None)
    email = changes.pop("email", None)
    user = request.auth
    if changes:
        user = services.update_profile(user=user, by=request.auth, **changes)
    if email is not None:
        user = services.request_email_change(
            user=user, by=request.auth, email=email, password=password, request=request
        )
    return user


@me_router.delete(
    "",
    response={204: None, **error_responses(401, 403, 409, 422)},
    openapi_extra=access(client="own", chief="own", admin="own"),
)
def delete_me(request, payload: PasswordIn):
    services.delete_account(user=request.auth, password=payload.password)
    return Status(204, None)


class PasswordChangedOut(TokenOut):
    detail: str


@me_router.post(
    "/password",
    response={200: PasswordChangedOut, **error_responses(401, 403, 422)},
    openapi_extra=access(client="own", chief="own", admin="own"),
)
def change_my_password(request, payload: PasswordChangeIn):
    """Every session and token of the account ends, this caller's included; the answer
    carries a fresh pair so the app that changed the password stays logged in."""
    user = services.change_password(
        user=request.auth, old_password=payload.old_password, new_password=payload.new_password
    )
    return {"detail": _("Mot de passe modifié."), **sessions.tokens_for(user)}


@me_router.post(
    "/avatar",
    response={200: UserOut, **error_responses(401, 413, 422)},
    openapi_extra=access(client="own", chief="own", admin="own"),
)
def upload_avatar(request, avatar: UploadedFile = File(...)):
    return services.set_avatar(user=request.auth, uploaded=avatar)


def _admin_target(request, user_id):
    require_role(request, Role.ADMIN)
    user = selectors.active_users().filter(pk=user_id).first()
    if user is None:
        raise NotFound(_("Utilisateur introuvable."))
    return user


@users_router.get(
    "",
    response={200: list[UserOut], **error_responses(401, 403)},
    openapi_extra=access(admin="all"),
)
@paginate(Page)
def list_users(
    request,
    q: str = Query("", max_length=100, pattern=LINE),
    role: Role = None,
):
    require_role(request, Role.ADMIN)
    return selectors.search_users(query=q, role=role)


@users_router.post(
    "",
    response={201: UserOut, **error_responses(401, 403, 409, 422)},
    openapi_extra=access(admin="all"),
)
@located("get_user")
def create_user(request, payload: UserCreateIn):
    require_role(request, Role.ADMIN)
    user = services.create_user(by=request.auth, **payload.dict())
    return Status(201, user)


@users_router.get(
    "/{int:user_id}",
    response={200: UserOut, **error_responses(401, 403, 404)},
    openapi_extra=access(admin="all"),
)
@versioned()
def get_user(request, user_id: int):
    return _admin_target(request, user_id)


@users_router.patch(
    "/{int:user_id}",
    response={200: UserOut, **error_responses(401, 403, 404, 409, 422)},
    openapi_extra=access(admin="all"),
)
@transaction.atomic
@versioned()
def update_user(request, user_id: int, payload: UserPatch):
    user = _admin_target(request, user_id)
    changes = payload.dict(exclude_unset=True)
    role = changes.pop("role", None)
    if "email" in changes:
        raise NotAllowed(
            _("Seul le titulaire d'un compte peut en changer l'adresse e-mail."), code="owner_only"
        )
    if changes:
        services.update_profile(user=user, by=request.auth, **changes)
    if role is not None and role != user.role:
        services.change_role(user=user, role=role, by=request.auth)
    return get_object_or_404(User, pk=user.pk)


@users_router.delete(
    "/{int:user_id}",
    response={204: None, **error_responses(401, 403, 404, 409)},
    openapi_extra=access(admin="all"),
)
def delete_user(request, user_id: int):
    user = _admin_target(request, user_id)
    services.delete_user(user=user, by=request.auth)
    return Status(204, None)
