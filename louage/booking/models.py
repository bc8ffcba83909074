from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

# A walk-in counted at the door without a name is stored under this (French) source text and
# shown in the reader's language.
WALK_IN_NAME = gettext_noop("Voyageur à la porte")


class ReservationStatus(models.TextChoices):
    PENDING = "pending", _("En attente de paiement")
    CONFIRMED = "confirmed", _("Confirmée")
    BOARDED = "boarded", _("Embarquée")
    EXPIRED = "expired", _("Expirée")
    CANCELLED = "cancelled", _("Annulée")


# Reservations whose seats are taken from the trip (pending ones only until they expire).
SEAT_HOLDING = (ReservationStatus.PENDING, ReservationStatus.CONFIRMED, ReservationStatus.BOARDED)

# The only moves a reservation may make (design.md §3.3).
TRANSITIONS = {
    ReservationStatus.PENDING: {
        ReservationStatus.CONFIRMED,
        ReservationStatus.EXPIRED,
        ReservationStatus.CANCELLED,
    },
    ReservationStatus.CONFIRMED: {ReservationStatus.BOARDED, ReservationStatus.CANCELLED},
    ReservationStatus.BOARDED: set(),
    ReservationStatus.EXPIRED: set(),
    ReservationStatus.CANCELLED: set(),
}


class Reservation(models.Model):
    """Seats held or sold on a departure. `total_price` is in millimes, set by the server.

    A desk sale has no client but a walk-in passenger name and phone.
    """

    code = models.CharField(_("référence"), max_length=12, unique=True)
    trip = models.ForeignKey(
        "trips.Trip",
        verbose_name=_("départ"),
        on_delete=models.PROTECT,
        related_name="reservations",
    )
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("client"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="reservations",
    )  # fmt: skip
    passenger_name = models.CharField(_("nom du voyageur"), max_length=150, blank=True)
    passenger_phone = models.CharField(_("téléphone du voyageur"), max_length=16, blank=True)
    seats = models.PositiveSmallIntegerField(_("places"))
    total_price = models.PositiveIntegerField(_("prix total (millimes)"))
    status = models.CharField(
        _("statut"),
        max_length=10,
        choices=ReservationStatus.choices,
        default=ReservationStatus.PENDING,
    )
    expires_at = models.DateTimeField(_("expire à"), null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    boarded_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)
    # When the traveller was reminded that the hold runs out (once, by the sweeper).
    reminded_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sold_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("réservation")
        verbose_name_plural = _("réservations")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(seats__gte=1, seats__lte=8), name="reservation_seats_1_8"
            ),
            models.CheckConstraint(
                condition=Q(total_price__gt=0), name="reservation_price_positive"
            ),
            models.CheckConstraint(
                condition=Q(client__isnull=False) | ~Q(passenger_name=""),
                name="reservation_has_a_traveller",
            ),
        ]
        indexes = [
            models.Index(fields=["trip", "status"], name="reservation_trip_status_idx"),
            models.Index(fields=["client", "status"], name="reservation_client_status_idx"),
            models.Index(fields=["status", "expires_at"], name="reservation_expiry_idx"),
        ]

    def __str__(self):
        return self.code

    @property
    def traveller_name(self):
        if self.client_id:
            return self.client.get_full_name() or self.client.email
        if self.passenger_name == WALK_IN_NAME:
            return gettext(WALK_IN_NAME)
        return self.passenger_name
