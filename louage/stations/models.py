from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from louage.core.validators import validate_tunisian_phone

from .cities import CITY_CHOICES, CITY_NAMES_AR, arabic_interface, city_label, local_station_name


class Station(models.Model):
    """A louage station in a Tunisian city, run by at most one chief."""

    name = models.CharField(_("nom"), max_length=120, unique=True)
    name_ar = models.CharField(_("nom en arabe"), max_length=120, blank=True, default="")
    city = models.CharField(_("ville"), max_length=60, choices=CITY_CHOICES, db_index=True)
    phone = models.CharField(
        _("téléphone"), max_length=16, blank=True, validators=[validate_tunisian_phone]
    )
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6,
        validators=[MinValueValidator(30), MaxValueValidator(38)],
    )  # fmt: skip
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6,
        validators=[MinValueValidator(7), MaxValueValidator(12)],
    )  # fmt: skip
    chief = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chef de station"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="station",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("station")
        verbose_name_plural = _("stations")
        ordering = ["city", "name"]
        constraints = [
            # Tunisia's bounding box: coordinates outside it are typing mistakes.
            models.CheckConstraint(
                condition=Q(
                    latitude__gte=30, latitude__lte=38, longitude__gte=7, longitude__lte=12
                ),
                name="station_in_tunisia",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def local_name(self):
        """The name in the interface's language: its Arabic name on Arabic pages, when known."""
        return local_station_name(self.name, self.name_ar)

    @property
    def local_city(self):
        return city_label(self.city)

    # The names in the other script, for screens read by everyone (the hall board).
    @property
    def other_name(self):
        return self.name if arabic_interface() else self.name_ar

    @property
    def other_language(self):
        return "fr" if arabic_interface() else "ar"

    @property
    def other_city(self):
        return self.city if arabic_interface() else CITY_NAMES_AR.get(self.city, "")

    @property
    def choice_label(self):
        """How every list (select, picker) names a station: 'Sousse — Station Sousse Centre',
        both parts in the interface's language ('سوسة — محطة سوسة' on Arabic pages)."""
        return f"{self.local_city} — {self.local_name}"


class Vehicle(models.Model):
    """A louage of a station. Plate in the normalised form "123 TU 4567"."""

    plate = models.CharField(_("immatriculation"), max_length=20, unique=True)
    owner_name = models.CharField(_("propriétaire"), max_length=150)
    owner_phone = models.CharField(
        _("téléphone du propriétaire"),
        max_length=16,
        blank=True,
        validators=[validate_tunisian_phone],
    )
    seats = models.PositiveSmallIntegerField(
        _("places"), default=8, validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="vehicles"
    )
    active = models.BooleanField(_("en service"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("véhicule")
        verbose_name_plural = _("véhicules")
        ordering = ["plate"]
        constraints = [
            models.CheckConstraint(
                condition=Q(seats__gte=1, seats__lte=9), name="vehicle_seats_1_9"
            ),
        ]

    def __str__(self):
        return self.plate
