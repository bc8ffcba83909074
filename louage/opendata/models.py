from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

FEED_ID = 1


class Feed(models.Model):
    """The GTFS feed as last built: one row (pk FEED_ID). The zip itself lies in the
    "opendata" storage under `name`; `etag` is its SHA-256, so an unchanged network rebuilds
    to the same file and the same ETag. `rebuild_requested_at` is set while a rebuild waits
    in the task queue: the changes that arrive meanwhile join it instead of queueing more."""

    name = models.CharField(_("fichier"), max_length=200, blank=True)
    etag = models.CharField(_("empreinte SHA-256"), max_length=64, blank=True)
    size = models.PositiveIntegerField(_("taille (octets)"), default=0)
    built_at = models.DateTimeField(_("contenu modifié le"), null=True, blank=True)
    checked_at = models.DateTimeField(_("dernière construction"), null=True, blank=True)
    rebuild_requested_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(_("lignes par fichier"), default=dict, blank=True)

    class Meta:
        verbose_name = _("flux GTFS")
        verbose_name_plural = _("flux GTFS")
        constraints = [models.CheckConstraint(condition=Q(pk=FEED_ID), name="gtfs_feed_single")]

    def __str__(self):
        return self.name or "GTFS"
