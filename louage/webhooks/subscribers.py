"""Partners hear the public domain events they subscribed to (louage.core.events)."""

from louage.core.events import PUBLIC_TYPES, subscriber
from louage.core.housekeeping import chore

from . import services


@subscriber(*PUBLIC_TYPES, name="webhooks.schedule")
def schedule(event):
    services.schedule_deliveries(event)


@chore
def queue_overdue_deliveries():
    return services.enqueue_overdue()
