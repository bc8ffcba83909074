"""Visit counts that respect privacy: aggregates per Africa/Tunis day, never an address.

A visitor is recognised within one day only, by a keyed hash of (client address, user agent)
whose key (`VisitSalt`) is random, made for that day and deleted once the day is over,
together with the day's hashes (`VisitorDigest`). What stays is two counts: page views per
page and day (`DailyPageViews`) and unique visitors per day (`DailyVisitors`).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DailyPageViews(models.Model):
    """HTML page views of one page (its URL pattern name, "trips:detail") on one day."""

    day = models.DateField(_("jour"))
    page = models.CharField(_("page"), max_length=100)
    views = models.PositiveIntegerField(_("pages vues"), default=0)

    class Meta:
        verbose_name = _("pages vues du jour")
        verbose_name_plural = _("pages vues par jour")
        ordering = ["day", "page"]
        constraints = [
            models.UniqueConstraint(fields=["day", "page"], name="page_views_one_row_per_day_page")
        ]

    def __str__(self):
        return f"{self.day} {self.page}: {self.views}"


class DailyVisitors(models.Model):
    """Unique visitors of one day, recounted from the day's digests at every flush."""

    day = models.DateField(_("jour"), unique=True)
    visitors = models.PositiveIntegerField(_("visiteurs"), default=0)

    class Meta:
        verbose_name = _("visiteurs du jour")
        verbose_name_plural = _("visiteurs par jour")
        ordering = ["day"]

    def __str__(self):
        return f"{self.day}: {self.visitors}"


class VisitSalt(models.Model):
    """The random key of one day's visitor hashes; deleted when the day is over, after which
    nobody (the database's readers included) can tell whose hash a digest was."""

    day = models.DateField(unique=True)
    salt = models.CharField(max_length=64)

    def __str__(self):
        return str(self.day)


class VisitorDigest(models.Model):
    """One visitor of a day that is not over yet: HMAC(day's salt, address + user agent),
    truncated. Never linkable across days (a new salt every day); deleted with the salt."""

    day = models.DateField()
    digest = models.CharField(max_length=32)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "digest"], name="visitor_once_per_day")
        ]

    def __str__(self):
        return f"{self.day} {self.digest[:8]}…"


class TripSales(models.Model):
    """A departure's sales, kept up to date from the domain events (louage.reporting.sales),
    so a report sums one small row per departure instead of joining every reservation with
    its payments. Money in millimes; `revenue` is what was paid minus what was refunded."""

    trip = models.OneToOneField(
        "trips.Trip", primary_key=True, on_delete=models.CASCADE, related_name="sales"
    )
    seats_sold = models.PositiveIntegerField(default=0)  # confirmed and boarded seats
    revenue = models.BigIntegerField(default=0)
    refunded = models.BigIntegerField(default=0)
    payments = models.PositiveIntegerField(default=0)  # payments received (refunded or not)
    cancelled = models.PositiveIntegerField(default=0)  # reservations cancelled
    expired = models.PositiveIntegerField(default=0)  # holds that ran out
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("ventes d'un départ")
        verbose_name_plural = _("ventes par départ")

    def __str__(self):
        return f"trip {self.trip_id}: {self.seats_sold} seats, {self.revenue} millimes"


class TripSalesByMethod(models.Model):
    """The payments received for a departure, per payment method."""

    trip = models.ForeignKey("trips.Trip", on_delete=models.CASCADE, related_name="sales_by_method")
    method = models.CharField(max_length=20)
    payments = models.PositiveIntegerField(default=0)
    revenue = models.BigIntegerField(default=0)
    refunded = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("ventes d'un départ par moyen de paiement")
        verbose_name_plural = _("ventes par départ et moyen de paiement")
        constraints = [
            models.UniqueConstraint(fields=["trip", "method"], name="trip_sales_one_row_per_method")
        ]

    def __str__(self):
        return f"trip {self.trip_id} {self.method}: {self.revenue}"
