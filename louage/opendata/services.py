"""Building the GTFS feed, by the task worker only, and asking for a rebuild.

A rebuild is asked for when departures change (a domain event) and when the feed grows old
(a chore of the scheduler: its window moves with the days, and stations, fares and queues
change without events). Asking is cheap and debounced: one conditional UPDATE marks a rebuild
as queued and queues it GTFS_REBUILD_DELAY_SECONDS later; the changes that arrive meanwhile
find it marked and queue nothing, so a burst of edits costs one build.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import Q

from louage.core import clock

from . import gtfs, selectors
from .models import FEED_ID, Feed

logger = logging.getLogger("louage.opendata")

FOLDER = "gtfs"
# A rebuild marked as queued for longer than this was lost (its task failed or vanished):
# the next request queues another.
LOST_AFTER = timedelta(minutes=15)


def storage():
    return storages["opendata"]


def request_rebuild():
    """Queue one rebuild of the feed unless one is already queued; True when this call
    queued it."""
    from .tasks import build_gtfs_feed

    now = clock.now()
    with transaction.atomic():
        Feed.objects.get_or_create(pk=FEED_ID)
        queued = Feed.objects.filter(
            Q(rebuild_requested_at__isnull=True) | Q(rebuild_requested_at__lt=now - LOST_AFTER),
            pk=FEED_ID,
        ).update(rebuild_requested_at=now)
        if not queued:
            return False
        task = build_gtfs_feed
        if task.get_backend().supports_defer:
            task = task.using(
                run_after=now + timedelta(seconds=settings.GTFS_REBUILD_DELAY_SECONDS)
            )
        task.enqueue()
    return True


def rebuild_if_stale():
    """The scheduler's chore: queue a rebuild when there is no feed yet, when it was built
    more than GTFS_MAX_AGE_MINUTES ago, or on an earlier day (its window starts today)."""
    from louage.core.times import local_date, local_today

    feed = selectors.current_feed()
    now = clock.now()
    if (
        feed is None
        or feed.checked_at is None
        or feed.checked_at < now - timedelta(minutes=settings.GTFS_MAX_AGE_MINUTES)
        or local_date(feed.checked_at) != local_today()
    ):
        return request_rebuild()
    return False


def build_feed(*, today=None):
    """Write the feed to storage and make it the one served; returns the Feed. Same network,
    same bytes: the file and its ETag stay as they were, only `checked_at` moves."""
    Feed.objects.get_or_create(pk=FEED_ID)
    # Changes from now on may be missed by this build: they queue the next one.
    Feed.objects.filter(pk=FEED_ID).update(rebuild_requested_at=None)
    data, counts = gtfs.write_zip(selectors.network(today=today))
    etag = _sha256(data)
    name = f"{FOLDER}/louage-gtfs-{etag[:20]}.zip"
    files = storage()
    if not files.exists(name):
        name = files.save(name, ContentFile(data))
    now = clock.now()
    with transaction.atomic():
        feed = Feed.objects.select_for_update(no_key=True).get(pk=FEED_ID)
        changed = feed.etag != etag
        previous = feed.name
        feed.checked_at = now
        if changed:
            feed.name, feed.etag, feed.size, feed.built_at = name, etag, len(data), now
        feed.counts = counts
        feed.save(update_fields=["name", "etag", "size", "built_at", "checked_at", "counts"])
    if changed:
        logger.info("GTFS feed rebuilt: %s (%s bytes) %s", name, len(data), counts)
        _remove_old_files(keep={name, previous})
    return feed


def _sha256(data):
    import hashlib

    return hashlib.sha256(data).hexdigest()


def _remove_old_files(keep):
    # The previous file stays: a request may have read its name just before the swap.
    files = storage()
    try:
        _folders, names = files.listdir(FOLDER)
    except FileNotFoundError:
        return
    for entry in names:
        name = f"{FOLDER}/{entry}"
        if name not in keep and entry.startswith("louage-gtfs-"):
            files.delete(name)
