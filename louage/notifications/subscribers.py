"""Travellers hear what happened to their bookings: domain events → in-app notifications and
their emails (louage.core.events). A subscriber's writes commit with the relay's mark that it
handled the event, so a notification is written once even when an event is relayed again."""

from louage.accounts.models import User
from louage.booking.models import Reservation
from louage.core.events import subscriber

from . import services

CANCELLED = {
    "trip_cancelled": services.notify_trip_cancelled,
    "no_show": services.notify_no_show,
}


def _reservation(event, key="id"):
    return Reservation.objects.filter(pk=event.data[key], client__isnull=False).first()


@subscriber("reservation.confirmed", name="notifications.confirmed")
def payment_received(event):
    reservation = _reservation(event)
    if reservation is not None:
        services.notify_payment_received(reservation)


@subscriber("reservation.cancelled", name="notifications.cancelled")
def cancelled(event):
    reservation = _reservation(event)
    if reservation is not None:
        notify = CANCELLED.get(event.data.get("reason"), services.notify_reservation_cancelled)
        notify(reservation, refunded=event.data.get("refunded", False))


@subscriber("reservation.expiring", name="notifications.expiring")
def expiring(event):
    reservation = _reservation(event)
    if reservation is not None and reservation.status == "pending":
        services.notify_hold_expiring(reservation)


@subscriber("payment.refunded", name="notifications.refunded_late")
def refunded_late(event):
    # A payment that landed after its hold ran out went straight back.
    if event.data.get("late"):
        reservation = _reservation(event, key="reservation_id")
        if reservation is not None:
            services.notify_reservation_cancelled(reservation, refunded=True)


@subscriber("trip.loading", name="notifications.loading")
def louage_loading(event):
    travellers = Reservation.objects.filter(
        trip_id=event.data["id"], client__isnull=False, status__in=["pending", "confirmed"]
    )
    for reservation in travellers:
        services.notify_louage_loading(reservation)


@subscriber("webhook.disabled", name="notifications.webhook_disabled")
def webhook_disabled(event):
    owner = User.objects.filter(pk=event.data.get("owner_id"), is_active=True).first()
    if owner is not None:
        services.notify_webhook_disabled(
            owner, url=event.data.get("url", ""), endpoint_id=event.data.get("endpoint_id")
        )
