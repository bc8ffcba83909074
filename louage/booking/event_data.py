"""What a reservation's domain events carry (louage.core.events): its state and its
departure, never the traveller's name, email or phone."""

from louage.core import events
from louage.core.times import api_time

from .models import Reservation


def _time(value):
    return api_time(value)


def reservation_data(reservation, *, as_written=False):
    # Callers often change a row with a conditional UPDATE: read what was written, unless the
    # object in hand is it (a reservation just created, with its departure).
    if not as_written:
        reservation = Reservation.objects.select_related("trip").get(pk=reservation.pk)
    return {
        "id": reservation.pk,
        "code": reservation.code,
        "status": str(reservation.status),
        "trip_id": reservation.trip_id,
        "station_id": reservation.trip.origin_id,
        "seats": reservation.seats,
        "total_price": reservation.total_price,
        "online": reservation.client_id is not None,
        "expires_at": _time(reservation.expires_at),
        "created_at": _time(reservation.created_at),
        "confirmed_at": _time(reservation.confirmed_at),
        "boarded_at": _time(reservation.boarded_at),
        "cancelled_at": _time(reservation.cancelled_at),
        "expired_at": _time(reservation.expired_at),
    }


def record_reservation_event(event_type, reservation, *, as_written=False, **extra):
    data = reservation_data(reservation, as_written=as_written)
    events.record(event_type, data={**data, **extra}, station_id=data["station_id"],
                  subject=f"reservation:{reservation.pk}")  # fmt: skip
