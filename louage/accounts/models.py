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
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("role", Role.ADMIN)
        return self._create_user(email, password, **extra)

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
    deleted_at = models.DateTimeField(_("supprimé le"), null=True, blank=True)

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
            )
        ]

    def __str__(self):
        return self.get_full_name() or self.email

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
