"""Partners hear the public domain events they subscribed to (louage.core.events)."""

from louage.core.events import PUBLIC_TYPES, per_batch, subscriber
from louage.core.housekeeping import chore

from . import services


def _wanted(event):
    # Most events (every pending hold) interest no partner: then no savepoint, no query.
    return event.type in per_batch("webhooks.wanted_types", services.wanted_types)


@subscriber(*PUBLIC_TYPES, name="webhooks.schedule", when=_wanted)
def schedule(event):
    services.schedule_deliveries(event)


@chore
def queue_overdue_deliveries():
    return services.enqueue_overdue()
