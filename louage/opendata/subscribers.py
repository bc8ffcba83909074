"""What makes the GTFS feed rebuild: a scheduled departure planned, edited or cancelled
(domain events), and the scheduler's chore for everything that records no event (stations,
fares, journey times, queues) and for the window that moves each day."""

from louage.core.events import subscriber
from louage.core.housekeeping import chore

from . import services


@subscriber("trip.created", "trip.updated", "trip.cancelled", name="opendata.gtfs")
def departures_changed(event):
    # A queue's vehicles come and go all day; the feed carries the queue's interval, which
    # the periodic rebuild refreshes.
    if event.data.get("kind") != "queue":
        services.request_rebuild()


@chore
def feed_freshness():
    services.rebuild_if_stale()
