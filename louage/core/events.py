"""Domain events: "this happened", once, for whoever needs to know (design.md §4).

A service records an event (`record("reservation.confirmed", ...)`) in its own transaction:
the event exists exactly when the change does (an outbox). After the commit, the relay
(`manage.py relay_events`, one of `make run`'s processes) hands each event to every subscriber
whose pattern matches its type, in order, at least once. A subscriber that fails is tried
again later with the others left alone; subscribers are idempotent by event id. So booking
never imports notifications, webhooks, reports or the GTFS feed: they subscribe.

Subscribers run inside the relay's transaction and must stay short: they write rows (an
in-app notification, a webhook delivery, a refreshed figure) and queue slow work for the task
worker; they never call out over the network.
"""

import fnmatch
import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

logger = logging.getLogger("louage.events")

# The events partners may receive (webhooks); others are internal (e.g. "reservation.no_show").
PUBLIC_TYPES = (
    "reservation.created",
    "reservation.confirmed",
    "reservation.cancelled",
    "reservation.expired",
    "reservation.boarded",
    "trip.created",
    "trip.updated",
    "trip.cancelled",
    "trip.departed",
    "payment.succeeded",
    "payment.refunded",
)

_subscribers = []  # (name, patterns, function, when)
MAX_BACKOFF = timedelta(minutes=10)


def subscriber(*patterns, name=None, when=None):
    """Register `function(event)` for event types matching any of `patterns` ("trip.*").
    `when(event)`, if given, decides from the event alone (or with `per_batch`, one query per
    relay batch) whether `function` has anything to do: when it says no, the event counts as
    handled without running it (nor the savepoint around it)."""

    def register(function):
        label = name or f"{function.__module__}.{function.__qualname__}"
        _subscribers[:] = [entry for entry in _subscribers if entry[0] != label]
        _subscribers.append((label, patterns, function, when))
        return function

    return register


_batch = threading.local()  # the memo of this thread's relay batch (inline relays may be two)


def per_batch(key, compute):
    """`compute()`, once per relay batch: a `when` reads what it needs (the webhook types any
    endpoint wants) once for the batch's events. They were all recorded before the batch
    began, so what holds when the batch begins holds for them."""
    memo = _batch.__dict__.setdefault("memo", {})
    try:
        return memo[key]
    except KeyError:
        value = memo[key] = compute()
        return value


def subscribers_of(event_type):
    """(label, function, when) of every subscriber of `event_type`, in order."""
    return [
        (label, function, when)
        for label, patterns, function, when in _subscribers
        if any(fnmatch.fnmatchcase(event_type, pattern) for pattern in patterns)
    ]


def record(event_type, *, data, station_id=None, subject=""):
    """Record that `event_type` happened (call inside the service's transaction). `data` is
    the JSON snapshot partners and subscribers receive; `subject` names the object
    ("reservation:42") so a subscriber can find every event of it."""
    from .models import Event

    event = Event.objects.create(type=event_type, data=data, station_id=station_id, subject=subject)
    if getattr(settings, "EVENTS_RELAY_INLINE", False):
        # Tests and single-process tools: relay right after the commit, in this process.
        transaction.on_commit(_relay_inline)
    return event


def _relay_inline():
    try:
        relay(limit=None)
    except Exception:  # the change is committed; its events wait for the next relay
        logger.exception("inline event relay failed")


BATCH = 10  # events per transaction
# PostgreSQL: relay batches run one at a time. Two batches refreshing the same departures'
# rows in opposite orders (reporting.sales) would deadlock; SQLite runs writers one at a time.
RELAY_LOCK_ID = 0x4C6F7562


def relay(limit=100):
    """Hand waiting events to their subscribers, oldest first; returns how many are done.
    Several relays may run: each takes events nobody else holds (SKIP LOCKED).

    A few events per transaction: on SQLite a transaction holds the one write lock, and a
    hundred events' subscribers in one would keep every booking waiting behind them."""
    done = taken = 0
    while limit is None or taken < limit:
        size = BATCH if limit is None else min(BATCH, limit - taken)
        batch_taken, batch_done = _relay_batch(size)
        taken += batch_taken
        done += batch_done
        if batch_taken < size:
            break
    return done


def _relay_batch(size):
    from .models import Event

    now = timezone.now()
    taken = done = 0
    _batch.memo = {}
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RELAY_LOCK_ID])
        waiting = (
            Event.objects.select_for_update(no_key=True, skip_locked=True)
            .filter(relayed_at__isnull=True, next_attempt_at__lte=now)
            .order_by("id")[:size]
        )
        for event in waiting:
            taken += 1
            done += _deliver(event, now)
    return taken, done


def _deliver(event, now):
    failed = []
    for label, function, when in subscribers_of(event.type):
        if label in event.handled_by:
            continue
        if when is not None and not when(event):
            event.handled_by = [*event.handled_by, label]
            continue
        try:
            with transaction.atomic():
                function(event)
        except Exception:
            logger.exception("subscriber %s failed on event %s (%s)", label, event.id, event.type)
            failed.append(label)
        else:
            event.handled_by = [*event.handled_by, label]
    if failed:
        event.attempts += 1
        event.next_attempt_at = now + min(timedelta(seconds=2**event.attempts), MAX_BACKOFF)
    else:
        event.relayed_at = now
    event.save(update_fields=["handled_by", "attempts", "next_attempt_at", "relayed_at"])
    return 0 if failed else 1
