"""Every change to an account goes through here, for the web pages and the API alike."""

import io
import uuid

from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from louage.core.audit import audit
from louage.core.errors import Conflict, InvalidInput, NotAllowed
from louage.core.errors import field_error as _field_error
from louage.core.validators import normalize_tunisian_phone

from .models import Role, User

ALLOWED_IMAGE_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
MAX_IMAGE_PIXELS = 40_000_000


def _clean_email(email, *, exclude_user=None):
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise _field_error("email", _("Adresse e-mail invalide.")) from None
    taken = User.objects.filter(email__iexact=email)
    if exclude_user is not None:
        taken = taken.exclude(pk=exclude_user.pk)
    if taken.exists():
        raise _field_error("email", _("Un compte existe déjà avec cette adresse e-mail."))
    return email


def _clean_phone(phone):
    try:
        return normalize_tunisian_phone(phone)
    except ValidationError as exc:
        raise _field_error("phone", exc.messages[0]) from None


def _clean_name(field, value, *, required=True):
    value = (value or "").strip()
    if required and not value:
        raise _field_error(field, _("Ce champ est obligatoire."))
    if len(value) > 150:
        raise _field_error(field, _("150 caractères au plus."))
    return value


def _check_password(password, user):
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(
            exc.messages[0], errors=[{"field": "password", "message": m} for m in exc.messages]
        ) from None


def runs_station(user):
    """True when the user is the chief of a station (stations app installed)."""
    if not apps.is_installed("louage.stations"):
        return False
    Station = apps.get_model("stations", "Station")
    return Station.objects.filter(chief=user).exists()


@transaction.atomic
def create_user(
    *, email, password, first_name, last_name, phone="", role=Role.CLIENT, by=None, language="fr"
):
    """Create an account. Raises InvalidInput for a bad or taken email, phone or password."""
    if role not in Role.values:
        raise _field_error("role", _("Rôle inconnu."))
    user = User(
        email=_clean_email(email),
        first_name=_clean_name("first_name", first_name),
        last_name=_clean_name("last_name", last_name),
        phone=_clean_phone(phone),
        role=role,
        language=language if language in dict(settings.LANGUAGES) else "fr",
    )
    _check_password(password, user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # Two sign-ups racing for one email: the unique constraint decides.
        raise _field_error("email", _("Un compte existe déjà avec cette adresse e-mail.")) from None
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
    audit(actor=by or user, action="user.created", obj=user, role=role)
    return user


def register_client(*, email, password, first_name, last_name, phone=""):
    return create_user(
        email=email, password=password, first_name=first_name, last_name=last_name, phone=phone
    )


@transaction.atomic
def update_profile(*, user, by, **changes):
    """Change name, phone, email or language. Only these fields; role is never changed here."""
    if by.pk != user.pk and by.role != Role.ADMIN:
        raise NotAllowed()
    if "first_name" in changes:
        user.first_name = _clean_name("first_name", changes["first_name"])
    if "last_name" in changes:
        user.last_name = _clean_name("last_name", changes["last_name"])
    if "phone" in changes:
        user.phone = _clean_phone(changes["phone"])
    if "language" in changes:
        if changes["language"] not in dict(settings.LANGUAGES):
            raise _field_error("language", _("Langue non prise en charge."))
        user.language = changes["language"]
    if "email" in changes and (changes["email"] or "").strip().lower() != user.email:
        user.email = _clean_email(changes["email"], exclude_user=user)
        # allauth keeps its own address book: the new address replaces the old, unverified.
        EmailAddress.objects.filter(user=user).delete()
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
    user.save()
    audit(actor=by, action="user.updated", obj=user, fields=sorted(changes))
    return user


@transaction.atomic
def change_password(*, user, old_password, new_password):
    if not user.check_password(old_password or ""):
        raise _field_error("old_password", _("L'ancien mot de passe est incorrect."))
    _check_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit(actor=user, action="user.password_changed", obj=user)
    # A new password revokes every refresh token issued before it.
    _revoke_refresh_tokens(user)
    return user


def process_avatar(uploaded):
    """Validate an uploaded image and return a small square WebP without metadata.

    Raises InvalidInput for non-images, unsupported formats, files over AVATAR_MAX_BYTES.
    """
    if uploaded is None:
        raise _field_error("avatar", _("Choisissez une image."))
    if uploaded.size > settings.AVATAR_MAX_BYTES:
        raise _field_error("avatar", _("L'image dépasse 5 Mo."))
    try:
        uploaded.seek(0)
        with Image.open(uploaded) as probe:
            fmt = probe.format
            width, height = probe.size
            if fmt not in ALLOWED_IMAGE_FORMATS:
                raise _field_error(
                    "avatar", _("Format non pris en charge : JPEG, PNG, GIF ou WebP.")
                )
            if width * height > MAX_IMAGE_PIXELS:
                raise _field_error("avatar", _("L'image est trop grande (en pixels)."))
            probe.verify()
        uploaded.seek(0)
        with Image.open(uploaded) as image:
            image = ImageOps.exif_transpose(image)
            image = image.convert("RGB")
            size = settings.AVATAR_SIZE
            square = ImageOps.fit(image, (size, size), Image.Resampling.LANCZOS)
    except InvalidInput:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        raise _field_error("avatar", _("Ce fichier n'est pas une image valide.")) from None
    out = io.BytesIO()
    # A fresh image object carries no EXIF/GPS metadata from the upload.
    square.save(out, format="WEBP", quality=85)
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.webp")


@transaction.atomic
def set_avatar(*, user, uploaded):
    content = process_avatar(uploaded)
    old = user.avatar.name if user.avatar else None
    user.avatar.save(content.name, content, save=False)
    user.save(update_fields=["avatar"])
    audit(actor=user, action="user.avatar_changed", obj=user)
    if old:
        storage = user.avatar.storage
        transaction.on_commit(lambda: storage.delete(old))
    return user


def _revoke_refresh_tokens(user):
    from ninja_jwt.token_blacklist.models import BlacklistedToken, OutstandingToken

    for token in OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True):
        BlacklistedToken.objects.get_or_create(token=token)


def _anonymise(user):
    old_avatar = user.avatar.name if user.avatar else None
    user.email = f"deleted-{user.pk}-{uuid.uuid4().hex[:8]}@deleted.invalid"
    user.first_name = ""
    user.last_name = ""
    user.phone = ""
    user.avatar = ""
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.deleted_at = timezone.now()
    user.set_unusable_password()
    user.save()
    EmailAddress.objects.filter(user=user).delete()
    if apps.is_installed("allauth.socialaccount"):
        from allauth.socialaccount.models import SocialAccount

        SocialAccount.objects.filter(user=user).delete()
    _revoke_refresh_tokens(user)
    if old_avatar:
        storage = User._meta.get_field("avatar").storage
        transaction.on_commit(lambda: storage.delete(old_avatar))


@transaction.atomic
def delete_account(*, user, password):
    """The user erases their own account; needs the password. Personal data is erased; the
    row stays, anonymised, so payment records keep their owner for the accounts."""
    if not user.check_password(password or ""):
        raise _field_error("password", _("Mot de passe incorrect."))
    if runs_station(user):
        raise Conflict(
            _("Vous êtes chef d'une station : demandez à un administrateur de vous remplacer."),
            code="chief_runs_station",
        )
    audit(actor=user, action="user.deleted", obj=user)
    _anonymise(user)


@transaction.atomic
def delete_user(*, user, by):
    """An admin deletes an account (anonymised as above). Refused for a chief who still runs a
    station, and for the admin's own account (use account deletion for that)."""
    if by.role != Role.ADMIN:
        raise NotAllowed()
    if user.pk == by.pk:
        raise Conflict(
            _("Vous ne pouvez pas supprimer votre propre compte ici."), code="self_delete"
        )
    if runs_station(user):
        raise Conflict(
            _("Ce chef dirige encore une station : assignez-lui un remplaçant d'abord."),
            code="chief_runs_station",
        )
    audit(actor=by, action="user.deleted", obj=user)
    _anonymise(user)


@transaction.atomic
def change_role(*, user, role, by):
    if by.role != Role.ADMIN:
        raise NotAllowed()
    if role not in Role.values:
        raise _field_error("role", _("Rôle inconnu."))
    if user.pk == by.pk and role != Role.ADMIN:
        raise Conflict(
            _("Vous ne pouvez pas retirer votre propre rôle d'administrateur."), code="self_demote"
        )
    if user.role == Role.CHIEF and role != Role.CHIEF and runs_station(user):
        raise Conflict(
            _("Ce chef dirige encore une station : assignez-lui un remplaçant d'abord."),
            code="chief_runs_station",
        )
    previous = user.role
    user.role = role
    user.save(update_fields=["role"])
    audit(actor=by, action="user.role_changed", obj=user, previous=previous, role=role)
    return user
