"""Accounts API: JWT tokens, the caller's own account (/me) and user management (admins)."""

from datetime import datetime

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja_jwt.exceptions import TokenError
from ninja_jwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from ninja_jwt.tokens import RefreshToken
from pydantic import ConfigDict, Field

from louage.core.api import Page, error_responses, jwt_auth, require_role, throttle
from louage.core.errors import NotAllowed, NotAuthenticated, NotFound

from . import selectors, services, sessions
from .models import Role, User

auth_router = Router(tags=["auth"])
me_router = Router(tags=["me"], auth=jwt_auth)
users_router = Router(tags=["users"], auth=jwt_auth)


class StrictSchema(Schema):
    model_config = ConfigDict(extra="forbid")


class UserOut(Schema):
    id: int
    email: str
    pending_email: str | None = Field(
        None, description="A new login email waiting for its confirmation link."
    )
    first_name: str
    last_name: str
    phone: str
    role: str
    avatar_url: str | None
    date_joined: datetime

    @staticmethod
    def resolve_pending_email(user):
        return user.pending_email or None


class RegisterIn(StrictSchema):
    email: str = Field(max_length=254)
    password: str = Field(min_length=1, max_length=128)
    first_name: str = Field(min_length=1, max_length=150)
    last_name: str = Field(min_length=1, max_length=150)
    phone: str = Field("", max_length=32)


class TokenIn(StrictSchema):
    email: str = Field(max_length=254)
    password: str = Field(max_length=128)


class RefreshIn(StrictSchema):
    refresh: str = Field(max_length=2048)


class TokenOut(Schema):
    access: str
    refresh: str


class MePatch(StrictSchema):
    first_name: str | None = Field(None, max_length=150)
    last_name: str | None = Field(None, max_length=150)
    phone: str | None = Field(None, max_length=32)
    email: str | None = Field(
        None,
        max_length=254,
        description="A new login email: needs `password`; it becomes the login once the link "
        "sent to it is opened (until then it shows as `pending_email`).",
    )
    password: str | None = Field(
        None, max_length=128, description="The current password, to change `email`."
    )
    language: str | None = Field(None, max_length=5)


class PasswordIn(StrictSchema):
    password: str = Field(max_length=128)


class PasswordChangeIn(StrictSchema):
    old_password: str = Field(max_length=128)
    new_password: str = Field(max_length=128)


class UserCreateIn(RegisterIn):
    role: Role = Role.CLIENT


class UserPatch(StrictSchema):
    first_name: str | None = Field(None, max_length=150)
    last_name: str | None = Field(None, max_length=150)
    phone: str | None = Field(None, max_length=32)
    email: str | None = Field(
        None, max_length=254, description="Refused (403 `owner_only`): owners change their own."
    )
    language: str | None = Field(None, max_length=5)
    role: Role | None = None


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


@auth_router.post("/register", response={202: RegisteredOut, **error_responses(422, 429)})
def register(request, payload: RegisterIn):
    """Create a client account, activated by the link emailed to it. The answer is the same
    for an address that already has an account (its owner gets an email instead)."""
    throttle(request, "api-register", settings.API_RATE_REGISTER)
    services.register_client(request=request, **payload.dict())
    return Status(202, {"detail": registered_message(payload.email.strip().lower())})


def registered_message(email):
    return _(
        "Un e-mail vient d'être envoyé à %(email)s : ouvrez son lien pour activer le compte."
    ) % {"email": email}


@auth_router.post("/token", response={200: TokenOut, **error_responses(401, 403, 422, 429)})
def obtain_token(request, payload: TokenIn):
    throttle(request, "api-token", settings.API_RATE_TOKEN)
    user = authenticate(request, username=payload.email.strip(), password=payload.password)
    if user is None or not user.is_active:
        raise NotAuthenticated(_("E-mail ou mot de passe incorrect."), code="bad_credentials")
    services.check_may_log_in(user=user, request=request)
    return sessions.tokens_for(user)


@auth_router.post("/token/refresh", response={200: TokenOut, **error_responses(401, 422, 429)})
def refresh_token(request, payload: RefreshIn):
    throttle(request, "api-token", settings.API_RATE_TOKEN)
    refresh, user = _refresh_user(payload.refresh)
    _revoke(refresh)
    return sessions.tokens_for(user)


@auth_router.post("/logout", auth=jwt_auth, response={204: None, **error_responses(401, 403, 422)})
def logout(request, payload: RefreshIn):
    refresh, user = _refresh_user(payload.refresh)
    if user.pk != request.auth.pk:
        raise NotAuthenticated(_("Ce jeton n'appartient pas à votre compte."), code="token_invalid")
    _revoke(refresh)
    return Status(204, None)


@me_router.get("", response=UserOut)
def me(request):
    return request.auth


@me_router.patch("", response={200: UserOut, **error_responses(401, 422)})
@transaction.atomic
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


@me_router.delete("", response={204: None, **error_responses(401, 409, 422)})
def delete_me(request, payload: PasswordIn):
    services.delete_account(user=request.auth, password=payload.password)
    return Status(204, None)


class PasswordChangedOut(TokenOut):
    detail: str


@me_router.post("/password", response={200: PasswordChangedOut, **error_responses(401, 422)})
def change_my_password(request, payload: PasswordChangeIn):
    """Every session and token of the account ends, this caller's included; the answer
    carries a fresh pair so the app that changed the password stays logged in."""
    user = services.change_password(
        user=request.auth, old_password=payload.old_password, new_password=payload.new_password
    )
    return {"detail": _("Mot de passe modifié."), **sessions.tokens_for(user)}


@me_router.post("/avatar", response={200: UserOut, **error_responses(401, 413, 422)})
def upload_avatar(request, avatar: UploadedFile = File(...)):
    return services.set_avatar(user=request.auth, uploaded=avatar)


def _admin_target(request, user_id):
    require_role(request, Role.ADMIN)
    user = selectors.active_users().filter(pk=user_id).first()
    if user is None:
        raise NotFound(_("Utilisateur introuvable."))
    return user


@users_router.get("", response={200: list[UserOut], **error_responses(401, 403)})
@paginate(Page)
def list_users(request, q: str = "", role: Role | None = None):
    require_role(request, Role.ADMIN)
    return selectors.search_users(query=q[:100], role=role)


@users_router.post("", response={201: UserOut, **error_responses(401, 403, 422)})
def create_user(request, payload: UserCreateIn):
    require_role(request, Role.ADMIN)
    user = services.create_user(by=request.auth, **payload.dict())
    return Status(201, user)


@users_router.get("/{int:user_id}", response={200: UserOut, **error_responses(401, 403, 404)})
def get_user(request, user_id: int):
    return _admin_target(request, user_id)


@users_router.patch(
    "/{int:user_id}", response={200: UserOut, **error_responses(401, 403, 404, 409, 422)}
)
@transaction.atomic
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


@users_router.delete("/{int:user_id}", response={204: None, **error_responses(401, 403, 404, 409)})
def delete_user(request, user_id: int):
    user = _admin_target(request, user_id)
    services.delete_user(user=user, by=request.auth)
    return Status(204, None)
