"""Travellers hear by SMS what matters on the day of travel (louage.core.events): the ticket
code once confirmed (online or at the desk), a departure cancelled or changed, the chiefs'
notices, the louage loading, and — when they asked for it — the end of their hold.

Each subscriber writes SmsMessage rows inside the relay's transaction (one per event and
number: a unique constraint) and the task worker sends them after the commit."""

from louage.booking.models import Reservation
from louage.core.events import subscriber
from louage.notifications.models import Notice

from . import services, texts

LIVE = ["pending", "confirmed"]


def _reservations():
    return Reservation.objects.select_related(
        "trip__origin", "trip__destination", "trip__vehicle", "client"
    )


def _reservation(event, key="id"):
    return _reservations().filter(pk=event.data.get(key)).first()


def _ticket(event, reservation):
    if reservation is not None and reservation.status == "confirmed":
        services.text_traveller(reservation, kind="ticket", event_id=event.id,
                                write=lambda: texts.ticket(reservation))  # fmt: skip


@subscriber("reservation.confirmed", name="sms.confirmed")
def confirmed(event):
    _ticket(event, _reservation(event))


def _confirmed(event):
    # A desk sale is confirmed (paid in cash) as it is created; an online hold is not.
    return event.data.get("status") == "confirmed"


@subscriber("reservation.created", name="sms.desk_sale", when=_confirmed)
def desk_sale(event):
    if _confirmed(event):
        _ticket(event, _reservation(event))


@subscriber("reservation.cancelled", name="sms.trip_cancelled")
def trip_cancelled(event):
    if event.data.get("reason") != "trip_cancelled":
        return
    reservation = _reservation(event)
    if reservation is not None:
        refunded = bool(event.data.get("refunded"))
        services.text_traveller(reservation, kind="trip_cancelled", event_id=event.id,
                                write=lambda: texts.trip_cancelled(reservation, refunded))  # fmt: skip


CHANGES_TRAVELLERS_SEE = {"departure", "vehicle_id", "destination_id"}


@subscriber("trip.updated", name="sms.trip_changed")
def trip_changed(event):
    if not CHANGES_TRAVELLERS_SEE & set(event.data.get("changed", [])):
        return
    for reservation in _reservations().filter(trip_id=event.data["id"], status__in=LIVE):
        services.text_traveller(reservation, kind="trip_changed", event_id=event.id,
                                write=lambda r=reservation: texts.trip_changed(r))  # fmt: skip


@subscriber("trip.loading", name="sms.loading")
def loading(event):
    for reservation in _reservations().filter(trip_id=event.data["id"], status__in=LIVE):
        services.text_traveller(reservation, kind="loading", event_id=event.id,
                                write=lambda r=reservation: texts.loading(r))  # fmt: skip


@subscriber("reservation.expiring", name="sms.expiring")
def expiring(event):
    reservation = _reservation(event)
    if (
        reservation is not None
        and reservation.status == "pending"
        and reservation.client is not None
        and reservation.client.sms_reminders
    ):
        services.text_traveller(reservation, kind="hold_expiring", event_id=event.id,
                                write=lambda: texts.hold_expiring(reservation))  # fmt: skip


@subscriber("notice.posted", name="sms.notice")
def notice_posted(event):
    notice = Notice.objects.select_related("station").filter(pk=event.data["id"]).first()
    if notice is None:
        return
    travellers = _reservations().filter(trip__in=notice.trips.all(), status__in=LIVE)
    for reservation in travellers.order_by("trip__departure", "pk"):
        services.text_traveller(reservation, kind="notice", event_id=event.id, notice=notice,
                                write=lambda: texts.notice(notice.station, notice.text))  # fmt: skip


@subscriber("user.deleted", name="sms.erase_account")
def erase_account(event):
    services.erase_for_client(event.data.get("id"))
