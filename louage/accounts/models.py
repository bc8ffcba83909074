from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from louage.core.validators import validate_tunisian_phone


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrateur")
    CHIEF = "chief", _("Chef de station")
    CLIENT = "client", _("Client")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("The email must be set")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        extra.setdefault("role", Role.CLIENT)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        """The operator's admin (`createsuperuser`, e.g. `--noinput` with DJANGO_SUPERUSER_EMAIL
        and DJANGO_SUPERUSER_PASSWORD): the address was typed on the server, so it counts as
        confirmed and the admin logs in at once, on the web pages and the API."""
        from allauth.account.models import EmailAddress

        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("role", Role.ADMIN)
        user = self._create_user(email, password, **extra)
        EmailAddress.objects.using(self._db).update_or_create(
            user=user, email=user.email, defaults={"primary": True, "verified": True}
        )
        return user

    def get_by_natural_key(self, username):
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractUser):
    """A person using Louage; the email is the login. Phone is stored in E.164 (+216…)."""

    username = None
    email = models.EmailField(_("adresse e-mail"), unique=True)
    phone = models.CharField(
        _("téléphone"), max_length=16, blank=True, validators=[validate_tunisian_phone]
    )
    avatar = models.ImageField(_("avatar"), upload_to="avatars/", blank=True)
    role = models.CharField(_("rôle"), max_length=10, choices=Role.choices, default=Role.CLIENT)
    language = models.CharField(_("langue"), max_length=5, default="fr")
    # The hold-ending reminder also by SMS (the other SMS need no asking; STOP stops them all).
    sms_reminders = models.BooleanField(
        _("rappel de fin de réservation par SMS"), default=False, db_default=False
    )
    deleted_at = models.DateTimeField(_("supprimé le"), null=True, blank=True)
    # Goes up whenever the password is set, whatever sets it; API tokens carry the value
    # they were issued under and die with it (web sessions die with the password hash).
    credentials_version = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    # The login email asked for and not yet confirmed (shown to the owner; never the login).
    pending_email = models.EmailField(
        _("nouvelle adresse en attente"), blank=True, default="", db_default=""
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        ordering = ["last_name", "first_name", "email"]
        indexes = [models.Index(fields=["role", "is_active"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=["admin", "chief", "client"]), name="user_role_valid"
            ),
            # The Django admin site is for administrators only: staff and superuser flags
            # never outlive the admin role.
            models.CheckConstraint(
                condition=models.Q(role="admin") | models.Q(is_staff=False, is_superuser=False),
                name="user_staff_only_admins",
            ),
        ]

    def __str__(self):
        return self.get_full_name() or self.email

    def set_unusable_password(self):
        super().set_unusable_password()
        self._credentials_changed = True

    def save(self, *args, **kwargs):
        # `_password` is set by set_password() (not by a hash upgrade at login): every path
        # that sets a password — allauth, the API, the Django admin, changepassword — ends
        # here, so every other way in ends here too.
        changed = not self._state.adding and (
            self._password is not None or getattr(self, "_credentials_changed", False)
        )
        if changed:
            self.credentials_version += 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "credentials_version"}
        super().save(*args, **kwargs)
        if changed:
            self._credentials_changed = False
            from .sessions import end_api_sessions

            end_api_sessions(self)

    @property
    def is_admin_role(self):
        return self.role == Role.ADMIN

    @property
    def is_chief(self):
        return self.role == Role.CHIEF

    @property
    def is_client(self):
        return self.role == Role.CLIENT

    @property
    def avatar_url(self):
        return self.avatar.url if self.avatar else None
