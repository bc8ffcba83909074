"""Depart-when-full queues: at a station, vehicles wait in line per destination; the head one
loads (a Trip of kind `queue`) and leaves when full; the next one then loads by itself."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Queue(models.Model):
    """The line of vehicles of one station leaving for one destination station."""

    station = models.ForeignKey(
        "stations.Station", verbose_name=_("station"), on_delete=models.PROTECT,
        related_name="queues",
    )  # fmt: skip
    destination = models.ForeignKey(
        "stations.Station", verbose_name=_("destination"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("file d'attente")
        verbose_name_plural = _("files d'attente")
        ordering = ["station", "destination__city", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["station", "destination"], name="queue_one_per_route"),
            models.CheckConstraint(
                condition=~Q(station=F("destination")), name="queue_station_not_destination"
            ),
        ]

    def __str__(self):
        return f"{self.station} → {self.destination}"


class TurnStatus(models.TextChoices):
    WAITING = "waiting", _("En attente")
    LOADING = "loading", _("En chargement")
    DEPARTED = "departed", _("Parti")
    REMOVED = "removed", _("Retiré de la file")


LIVE_TURNS = (TurnStatus.WAITING, TurnStatus.LOADING)


class QueuedVehicle(models.Model):
    """One vehicle's turn in a queue, from its arrival to its departure (or removal).

    `trip` is the vehicle's departure: made when it starts loading, or earlier when a booking
    that did not fit the loading vehicle lands on it. `full_at` is when the chief declared it
    full (online sales then go to the next vehicle; the no-show grace period starts).
    """

    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="turns")
    vehicle = models.ForeignKey(
        "stations.Vehicle", verbose_name=_("véhicule"), on_delete=models.PROTECT,
        related_name="queue_turns",
    )  # fmt: skip
    trip = models.OneToOneField(
        "trips.Trip", null=True, blank=True, on_delete=models.PROTECT, related_name="queue_turn"
    )
    status = models.CharField(
        _("état"), max_length=10, choices=TurnStatus.choices, default=TurnStatus.WAITING
    )
    position = models.PositiveIntegerField(_("rang"))
    added_at = models.DateTimeField(_("arrivé à"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    loading_since = models.DateTimeField(_("en chargement depuis"), null=True, blank=True)
    full_at = models.DateTimeField(_("complet à"), null=True, blank=True)
    left_at = models.DateTimeField(_("parti ou retiré à"), null=True, blank=True)
    seats_sold = models.PositiveSmallIntegerField(
        _("places vendues au départ"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("véhicule en file")
        verbose_name_plural = _("véhicules en file")
        ordering = ["queue", "position", "pk"]
        constraints = [
            # A vehicle waits in one queue at a time; a queue loads one vehicle at a time.
            models.UniqueConstraint(
                fields=["vehicle"], condition=Q(status__in=LIVE_TURNS), name="vehicle_queued_once"
            ),
            models.UniqueConstraint(
                fields=["queue"], condition=Q(status="loading"), name="queue_loads_one_vehicle"
            ),
            models.CheckConstraint(
                condition=~Q(status="loading") | Q(loading_since__isnull=False, trip__isnull=False),
                name="loading_vehicle_has_a_trip",
            ),
        ]
        indexes = [
            models.Index(fields=["queue", "status", "position"], name="queue_turn_order_idx"),
            models.Index(fields=["status", "left_at"], name="queue_turn_history_idx"),
        ]

    def __str__(self):
        return f"{self.vehicle} ({self.get_status_display()})"


class NoShowFare(models.TextChoices):
    KEEP = "keep", _("conservé par la station")
    REFUND = "refund", _("remboursé au voyageur")


class StationQueuePolicy(models.Model):
    """A station's rule for the fare of a traveller who booked online and did not show up."""

    station = models.OneToOneField(
        "stations.Station", primary_key=True, on_delete=models.CASCADE,
        related_name="queue_policy",
    )  # fmt: skip
    no_show_fare = models.CharField(
        _("billet d'un absent"), max_length=10, choices=NoShowFare.choices, default=NoShowFare.KEEP
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("règle de la station")
        verbose_name_plural = _("règles des stations")

    def __str__(self):
        return f"{self.station_id}: {self.no_show_fare}"
