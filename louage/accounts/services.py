"""Every change to an account goes through here, for the web pages and the API alike.

Account managers: an admin manages accounts, but only a superuser manages a superuser, and
the last active admin is never demoted nor removed. That count is taken under a lock on
every admin row (in pk order), so two admins removing each other cannot both pass it.
Answers never reveal whether an address has an account: registration and email changes
answer the same for a taken address, and its owner is told by email instead.
"""

import io
import uuid

from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from django.apps import apps
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from louage.core import events
from louage.core.audit import audit, values
from louage.core.audit import changes as audit_changes
from louage.core.errors import Conflict, InvalidInput, NotAllowed, field_conflict
from louage.core.errors import field_error as _field_error
from louage.core.validators import normalize_tunisian_phone

from .models import Role, User

ALLOWED_IMAGE_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
PROFILE_FIELDS = ("first_name", "last_name", "phone", "language", "sms_reminders")
# An image is decoded to memory at about 4 bytes a pixel. A JPEG is decoded at 1/2 to 1/8 of
# its size straight to about the avatar's (Pillow's `draft`), so a 40-megapixel photo costs
# little; PNG, GIF and WebP have no reduced decoding, hence their lower cap. Whatever the
# format, at most MAX_DECODED_PIXELS are ever decoded (40 MB, one converted copy at most).
MAX_IMAGE_PIXELS = 40_000_000  # JPEG, in its header
MAX_DECODED_PIXELS = 10_000_000  # PNG, GIF, WebP in their header; JPEG once reduced


def _email_format(email):
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise _field_error("email", _("Adresse e-mail invalide.")) from None
    if len(email.rpartition("@")[0]) > 64:  # RFC 5321: mail servers refuse longer
        raise _field_error("email", _("Adresse e-mail invalide."))
    return email


def _email_taken(email, *, exclude_user=None):
    """An account logs in with this address, or has confirmed it."""
    users = User.objects.filter(email__iexact=email)
    confirmed = EmailAddress.objects.filter(email__iexact=email, verified=True)
    if exclude_user is not None:
        users = users.exclude(pk=exclude_user.pk)
        confirmed = confirmed.exclude(user=exclude_user)
    return users.exists() or confirmed.exists()


def _clean_email(email, *, exclude_user=None):
    """For admins creating accounts (they see every account anyway): a taken address is an
    error here. Self-service paths never say so."""
    email = _email_format(email)
    if _email_taken(email, exclude_user=exclude_user):
        raise field_conflict(
            "email", _("Un compte existe déjà avec cette adresse e-mail."), code="email_taken"
        )
    return email


def _mail_after_commit(request, send):
    """Run an allauth mail once the change is committed, with the request allauth builds
    its links from."""

    def run():
        with allauth_context.request_context(request):
            send()

    transaction.on_commit(run)


def _tell_owner_of_taken_address(request, email):
    """Someone tried to use an address that has an account: its owner hears it, the caller
    does not (allauth's enumeration prevention mail)."""
    _mail_after_commit(
        request, lambda: get_adapter(request).send_account_already_exists_mail(email)
    )


def _clean_phone(phone):
    try:
        return normalize_tunisian_phone(phone)
    except ValidationError as exc:
        raise _field_error("phone", exc.messages[0]) from None


def _wrong_password(field, message):
    """A well-formed request whose caller failed to prove it is the owner: 403, not 422."""
    return NotAllowed(message, code="wrong_password", errors=[{"field": field, "message": message}])


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


def _check_manages(by, user):
    """An admin manages other accounts; only a superuser manages a superuser."""
    if getattr(by, "role", None) != Role.ADMIN:
        raise NotAllowed()
    if user.is_superuser and not by.is_superuser:
        raise NotAllowed(
            _("Seul un superutilisateur peut modifier ou supprimer un superutilisateur."),
            code="superuser_protected",
        )


def _check_admins_remain(*, by, removed):
    """Lock every admin row (pk order) and refuse when `removed` would leave no active admin,
    or when `by` stopped being an admin meanwhile."""
    admins = set(
        User.objects.select_for_update(no_key=True)
        .filter(role=Role.ADMIN, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if by is not None and by.pk != removed.pk and by.pk not in admins:
        raise NotAllowed()
    if removed.role == Role.ADMIN and not admins - {removed.pk}:
        raise Conflict(
            _("C'est le dernier administrateur : nommez-en un autre d'abord."), code="last_admin"
        )


def is_verified(user):
    """The account's login email is confirmed."""
    return EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()


def check_may_log_in(*, user, request):
    """With mandatory verification an unconfirmed account gets a fresh link (at most one every
    3 minutes), not a session — on the API as on the web pages."""
    if settings.ACCOUNT_EMAIL_VERIFICATION != "mandatory" or is_verified(user):
        return
    from django_ratelimit.core import is_ratelimited

    address = EmailAddress.objects.filter(user=user, email__iexact=user.email).first()
    resend_limited = is_ratelimited(
        request, group="email-confirm-resend", key=lambda _g, _r: str(user.pk), rate="1/3m",
        increment=True,
    )  # fmt: skip
    if address is not None and not resend_limited:
        _mail_after_commit(request, lambda: address.send_confirmation(request))
    raise NotAllowed(
        _("Confirmez d'abord votre adresse e-mail : ouvrez le lien que nous vous avons envoyé."),
        code="email_unverified",
    )


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
        raise field_conflict(
            "email", _("Un compte existe déjà avec cette adresse e-mail."), code="email_taken"
        ) from None
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
    audit(actor=by or user, action="user.created", obj=user, role=role)
    return user


def spend_sign_up_work(password):
    """The password hash a real sign-up computes, for an address that is taken: both answers
    then take the same time, and timing tells nothing (API and web sign-up alike)."""
    make_password(password)


@transaction.atomic
def register_client(*, email, password, first_name, last_name, phone="", language="fr", request):
    """Self-service sign-up. Every field is checked first; then a free address gets a new
    client account and a confirmation link, and a taken one only an email to its owner —
    the caller cannot tell the two apart. Returns the new user, or None."""
    email = _email_format(email)
    user = User(
        email=email,
        first_name=_clean_name("first_name", first_name),
        last_name=_clean_name("last_name", last_name),
        phone=_clean_phone(phone),
        role=Role.CLIENT,
    )
    _check_password(password, user)
    if _email_taken(email):
        spend_sign_up_work(password)
        _tell_owner_of_taken_address(request, email)
        return None
    try:
        with transaction.atomic():
            user = create_user(
                email=email, password=password, first_name=user.first_name,
                last_name=user.last_name, phone=user.phone, language=language,
            )  # fmt: skip
    except (InvalidInput, Conflict):
        _tell_owner_of_taken_address(request, email)  # lost a race for the same address
        return None
    address = EmailAddress.objects.get(user=user, email=user.email)
    _mail_after_commit(request, lambda: address.send_confirmation(request, signup=True))
    return user


@transaction.atomic
def update_profile(*, user, by, **changes):
    """Change name, phone or language. Only these fields: the role has change_role, the
    login email request_email_change."""
    if by.pk != user.pk:
        _check_manages(by, user)
    before = values(user, PROFILE_FIELDS)
    if "email" in changes:
        raise _field_error(
            "email", _("L'adresse e-mail se change avec votre mot de passe et une confirmation.")
        )
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
    if "sms_reminders" in changes:
        user.sms_reminders = bool(changes["sms_reminders"])
    user.save()
    before, after = audit_changes(before, values(user, PROFILE_FIELDS))
    audit(actor=by, action="user.updated", obj=user, before=before, after=after)
    return user


UNDO_EMAIL_CHANGE_SALT = "louage.accounts.undo-email-change"
UNDO_EMAIL_CHANGE_DAYS = 7


@transaction.atomic
def request_email_change(*, user, email, by, request, password=None):
    """Start changing the login email. Only the owner, with the password: an admin who could
    point someone's login at an address of their own would own the account after a password
    reset. The old address stays the login until the new one is confirmed by the link sent
    to it (allauth, ACCOUNT_CHANGE_EMAIL); the old address is then told, with a link to undo.
    An address that already has an account gets the same answer and only its owner an email."""
    if by.pk != user.pk:
        raise NotAllowed(
            _("Seul le titulaire d'un compte peut en changer l'adresse e-mail."), code="owner_only"
        )
    if not password:
        raise _field_error("password", _("Saisissez votre mot de passe pour changer d'adresse."))
    if not user.check_password(password):
        raise _wrong_password("password", _("Mot de passe incorrect."))
    email = _email_format(email)
    if email == user.email.lower():
        raise _field_error("email", _("C'est déjà l'adresse de ce compte."))
    # One change at a time: a new request replaces the one waiting for confirmation.
    EmailAddress.objects.filter(user=user, verified=False, primary=False).delete()
    user.pending_email = email
    user.save(update_fields=["pending_email"])
    audit(actor=by, action="user.email_change_requested", obj=user)
    if _email_taken(email, exclude_user=user):
        _tell_owner_of_taken_address(request, email)
        return user
    address = EmailAddress.objects.create(user=user, email=email, primary=False, verified=False)
    _mail_after_commit(request, lambda: address.send_confirmation(request))
    return user


@transaction.atomic
def cancel_email_change(*, user):
    EmailAddress.objects.filter(user=user, verified=False, primary=False).delete()
    user.pending_email = ""
    user.save(update_fields=["pending_email"])
    return user


def email_change_undo_token(*, user, old_email, new_email):
    return signing.dumps(
        {"u": user.pk, "from": old_email, "to": new_email}, salt=UNDO_EMAIL_CHANGE_SALT
    )


@transaction.atomic
def undo_email_change(*, token):
    """The previous address says the change was not theirs: it becomes the login again, and
    the password is cleared, ending every session and token, so that whoever changed the
    address is out and the owner sets a new password through the reset link of that address.
    Raises InvalidInput for a forged, expired or already used link."""
    invalid = _field_error("token", _("Ce lien d'annulation est invalide, expiré ou déjà utilisé."))
    try:
        data = signing.loads(
            token, salt=UNDO_EMAIL_CHANGE_SALT, max_age=UNDO_EMAIL_CHANGE_DAYS * 24 * 3600
        )
        user = User.objects.select_for_update(no_key=True).get(pk=int(data["u"]), is_active=True)
        old_email, new_email = str(data["from"]), str(data["to"])
    except (signing.BadSignature, KeyError, TypeError, ValueError, User.DoesNotExist):
        raise invalid from None
    if user.email.lower() != new_email.lower():
        raise invalid  # already undone, or changed again since
    if _email_taken(old_email, exclude_user=user):
        raise Conflict(
            _("L'ancienne adresse est désormais utilisée par un autre compte : contactez-nous."),
            code="email_taken",
        )
    EmailAddress.objects.filter(user=user).delete()
    EmailAddress.objects.create(user=user, email=old_email, primary=True, verified=True)
    user.email = old_email
    user.pending_email = ""
    user.set_unusable_password()
    user.save()
    audit(actor=None, action="user.email_change_undone", obj=user)
    unlink_providers(user=user, by=None, reason="email_change_undone")
    return user


@transaction.atomic
def change_password(*, user, old_password, new_password):
    if not user.check_password(old_password or ""):
        raise _wrong_password("old_password", _("L'ancien mot de passe est incorrect."))
    _check_password(new_password, user)
    # Saving a new password ends every API session and web session of the account
    # (User.save); the caller hands the user a fresh pair if it should stay logged in.
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit(actor=user, action="user.password_changed", obj=user)
    unlink_providers(user=user, by=user, reason="password_changed")
    return user


@transaction.atomic
def unlink_providers(*, user, by, reason):
    """Remove every sign-in provider linked to the account. Called when the owner takes the
    account back (password reset, password change, email-change undo): a link made by whoever
    had the password or a pending address would otherwise outlive the new password. The owner
    links their own providers again in one click from the account page. Returns their names."""
    if not apps.is_installed("allauth.socialaccount"):
        return []
    from allauth.socialaccount.models import SocialAccount

    linked = SocialAccount.objects.filter(user=user)
    providers = sorted(linked.values_list("provider", flat=True))
    if providers:
        linked.delete()
        audit(actor=by, action="user.providers_unlinked", obj=user, providers=providers,
              reason=reason)  # fmt: skip
    return providers


def _too_large(width, height, limit):
    return _field_error(
        "avatar",
        _(
            "L'image est trop grande (%(width)s × %(height)s pixels) : réduisez-la à %(max)s millions de pixels au plus."
        )
        % {"width": width, "height": height, "max": limit // 1_000_000},
    )


def process_avatar(uploaded):
    """Validate an uploaded image and return a small square WebP without metadata.

    Raises InvalidInput for non-images, unsupported formats, files over AVATAR_MAX_BYTES and
    images over MAX_IMAGE_PIXELS (JPEG) or MAX_DECODED_PIXELS (others), refused from their
    header before any pixel is decoded: a decompression bomb costs nothing.
    """
    if uploaded is None:
        raise _field_error("avatar", _("Choisissez une image."))
    if uploaded.size > settings.AVATAR_MAX_BYTES:
        raise _field_error("avatar", _("L'image dépasse 5 Mo."))
    size = settings.AVATAR_SIZE
    try:
        uploaded.seek(0)
        with Image.open(uploaded) as probe:
            fmt = probe.format
            width, height = probe.size
            if fmt not in ALLOWED_IMAGE_FORMATS:
                raise _field_error(
                    "avatar", _("Format non pris en charge : JPEG, PNG, GIF ou WebP.")
                )
            limit = MAX_IMAGE_PIXELS if fmt == "JPEG" else MAX_DECODED_PIXELS
            if width * height > limit:
                raise _too_large(width, height, limit)
            probe.verify()
        uploaded.seek(0)
        with Image.open(uploaded) as image:
            image.draft("RGB", (size, size))  # JPEG: decoded reduced; other formats: no-op
            if image.width * image.height > MAX_DECODED_PIXELS:  # a JPEG 100000 × 300
                raise _too_large(width, height, MAX_DECODED_PIXELS)
            # Shrink before anything else copies the image: one converted copy at most.
            small = image if image.mode in ("RGB", "L") else image.convert("RGB")
            factor = min(small.size) // size
            if factor >= 2:
                small = small.reduce(factor)
            small = ImageOps.exif_transpose(small).convert("RGB")
            square = ImageOps.fit(small, (size, size), Image.Resampling.LANCZOS)
    except InvalidInput:
        raise
    except Image.DecompressionBombError:  # Pillow's own check, at opening, of giant headers
        raise _field_error(
            "avatar",
            _("L'image est trop grande : réduisez-la à %(max)s millions de pixels au plus.")
            % {"max": MAX_DECODED_PIXELS // 1_000_000},
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
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
    user.set_unusable_password()  # ends every session and API token (User.save)
    user.save()
    EmailAddress.objects.filter(user=user).delete()
    if apps.is_installed("allauth.socialaccount"):
        from allauth.socialaccount.models import SocialAccount

        SocialAccount.objects.filter(user=user).delete()
    if old_avatar:
        storage = User._meta.get_field("avatar").storage
        transaction.on_commit(lambda: storage.delete(old_avatar))
    # Higher apps erase what they keep of the person (the SMS sent to their phone).
    events.record("user.deleted", data={"id": user.pk}, subject=f"user:{user.pk}")


@transaction.atomic
def delete_account(*, user, password):
    """The user erases their own account; needs the password. Personal data is erased; the
    row stays, anonymised, so payment records keep their owner for the accounts."""
    if not user.check_password(password or ""):
        raise _wrong_password("password", _("Mot de passe incorrect."))
    if runs_station(user):
        raise Conflict(
            _("Vous êtes chef d'une station : demandez à un administrateur de vous remplacer."),
            code="chief_runs_station",
        )
    _check_admins_remain(by=None, removed=user)
    audit(actor=user, action="user.deleted", obj=user)
    _anonymise(user)


@transaction.atomic
def delete_user(*, user, by):
    """An admin deletes an account (anonymised as above). Refused for a chief who still runs a
    station, for the admin's own account (use account deletion for that), for a superuser
    unless `by` is one, and for the last admin."""
    _check_manages(by, user)
    if user.pk == by.pk:
        raise Conflict(
            _("Vous ne pouvez pas supprimer votre propre compte ici."), code="self_delete"
        )
    if runs_station(user):
        raise Conflict(
            _("Ce chef dirige encore une station : assignez-lui un remplaçant d'abord."),
            code="chief_runs_station",
        )
    _check_admins_remain(by=by, removed=user)
    audit(actor=by, action="user.deleted", obj=user)
    _anonymise(user)


@transaction.atomic
def change_role(*, user, role, by):
    """An admin changes a role. Leaving the admin role also leaves the Django admin site
    (staff and superuser flags cleared). Never one's own, never a superuser's unless a
    superuser asks, never the last admin's, never a chief's who still runs a station."""
    _check_manages(by, user)
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
    if user.role == Role.ADMIN and role != Role.ADMIN:
        _check_admins_remain(by=by, removed=user)
    previous = user.role
    user.role = role
    if role != Role.ADMIN:
        user.is_staff = user.is_superuser = False
    user.save(update_fields=["role", "is_staff", "is_superuser"])
    audit(actor=by, action="user.role_changed", obj=user, before={"role": previous},
          after={"role": role})  # fmt: skip
    return user
