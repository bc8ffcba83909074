from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """A message to one user, shown in the app and sent by email by the task worker."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("type"), max_length=40)
    # The reservation the message is about: the notification links to it.
    reservation = models.ForeignKey(
        "booking.Reservation",
        verbose_name=_("réservation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    title = models.CharField(_("titre"), max_length=200)
    body = models.TextField(_("message"))
    # What the message is about (reservation id, refunded, a notice's text…): the title and
    # body are written again from them in the reader's language (services.localize); title
    # and body keep the text as first written, for older rows and as a fallback.
    params = models.JSONField(_("paramètres"), default=dict, blank=True)
    created_at = models.DateTimeField(_("date"), auto_now_add=True)
    read_at = models.DateTimeField(_("lue le"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("envoyée par e-mail le"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]

    def __str__(self):
        return self.title


class Notice(models.Model):
    """A message from a station chief to the travellers of some of the station's departures."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    station = models.ForeignKey(
        "stations.Station", on_delete=models.PROTECT, related_name="notices"
    )
    trips = models.ManyToManyField("trips.Trip", related_name="notices")
    text = models.TextField(_("message"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("avis aux voyageurs")
        verbose_name_plural = _("avis aux voyageurs")
        ordering = ["-created_at"]

    def __str__(self):
        return self.text[:60]


class PushSubscription(models.Model):
    """A browser that asked for Web Push notifications for its signed-in user: the push
    service's endpoint and the keys the payload is encrypted to (RFC 8291). Removed when the
    user turns it off, or when the push service answers 404/410 (gone)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(_("adresse"), max_length=1000, unique=True)
    p256dh = models.CharField(max_length=120)  # the browser's P-256 public key, base64url
    auth = models.CharField(max_length=40)  # the 16-byte authentication secret, base64url
    created_at = models.DateTimeField(auto_now_add=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("abonnement aux notifications push")
        verbose_name_plural = _("abonnements aux notifications push")

    def __str__(self):
        return self.endpoint[:60]
