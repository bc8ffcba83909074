from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("En cours")
    SUCCEEDED = "succeeded", _("Payé")
    REFUNDED = "refunded", _("Remboursé")
    FAILED = "failed", _("Échoué")


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Espèces au guichet")
    SANDBOX = "sandbox", _("Carte (bac à sable)")
    KONNECT = "konnect", _("Konnect")


class Payment(models.Model):
    """Money received for a reservation, in millimes. At most one successful (or refunded)
    payment per reservation and one row per idempotency key: both are database constraints.
    Rows outlive account deletion (the client is then anonymised, not removed)."""

    reservation = models.ForeignKey(
        "booking.Reservation",
        verbose_name=_("réservation"),
        on_delete=models.PROTECT,
        related_name="payments",
    )
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("client"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="payments",
    )  # fmt: skip
    amount = models.PositiveIntegerField(_("montant (millimes)"))
    method = models.CharField(_("moyen"), max_length=20, choices=PaymentMethod.choices)
    provider_reference = models.CharField(
        _("référence du prestataire"), max_length=100, null=True, blank=True, unique=True
    )
    card_last4 = models.CharField(_("4 derniers chiffres"), max_length=4, blank=True)
    status = models.CharField(
        _("statut"), max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    paid_at = models.DateTimeField(_("payé le"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("remboursé le"), null=True, blank=True)
    refunded_amount = models.PositiveIntegerField(_("montant remboursé (millimes)"), default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    idempotency_key = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("paiement")
        verbose_name_plural = _("paiements")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["reservation"],
                condition=Q(status__in=["succeeded", "refunded"]),
                name="one_successful_payment_per_reservation",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(refunded_amount__lte=models.F("amount")), name="refund_not_above_amount"
            ),
        ]
        indexes = [models.Index(fields=["status", "paid_at"], name="payment_status_paid_idx")]

    def __str__(self):
        return f"{self.get_method_display()} {self.amount} ({self.status})"
