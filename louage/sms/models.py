"""SMS to travellers (sent by the task worker through Kannel) and the numbers that said STOP."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SmsStatus(models.TextChoices):
    QUEUED = "queued", _("en file")  # waiting for the task worker
    SENT = "sent", _("envoyé")  # taken by the gateway / the operator's SMS centre
    DELIVERED = "delivered", _("remis")  # the phone received it (delivery report)
    FAILED = "failed", _("échoué")  # refused, undeliverable, or given up


class SmsMessage(models.Model):
    """One message to one phone number, with its delivery state. `segments` SMS are billed."""

    to = models.CharField(_("numéro"), max_length=16)
    text = models.TextField(_("texte"))
    language = models.CharField(max_length=5, default="fr")
    ucs2 = models.BooleanField(default=False)  # Kannel coding=2 (Arabic); else GSM-7
    segments = models.PositiveSmallIntegerField(default=1)
    kind = models.CharField(_("type"), max_length=30)
    status = models.CharField(
        _("état"), max_length=10, choices=SmsStatus.choices, default=SmsStatus.QUEUED
    )
    # The domain event it answers (idempotency: one message per event and number).
    event_id = models.BigIntegerField(null=True, blank=True)
    reservation = models.ForeignKey(
        "booking.Reservation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notice = models.ForeignKey(
        "notifications.Notice",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sms_messages",
    )
    # Unguessable: the delivery report URL given to Kannel for this message carries it.
    dlr_token = models.CharField(max_length=64, unique=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("SMS")
        verbose_name_plural = _("SMS")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_id", "to"],
                condition=models.Q(event_id__isnull=False),
                name="sms_once_per_event_and_number",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "sent", "delivered", "failed"]),
                name="sms_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.to}: {self.text[:40]}"


class SmsOptOut(models.Model):
    """A number that sent STOP: no SMS goes to it until it sends START."""

    phone = models.CharField(max_length=16, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("numéro sans SMS (STOP)")
        verbose_name_plural = _("numéros sans SMS (STOP)")

    def __str__(self):
        return self.phone
