from django_tasks import task


@task()
def build_gtfs_feed():
    """Rebuild the GTFS feed (queued, debounced, by services.request_rebuild)."""
    from .services import build_feed

    feed = build_feed()
    return {"etag": feed.etag, "counts": feed.counts}
