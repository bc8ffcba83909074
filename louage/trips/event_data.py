"""What a departure's domain events carry (louage.core.events): a snapshot partners can use
without calling back, and no personal data."""

from louage.core import events
from louage.core.times import api_time

from .models import Trip


def _place(station):
    return {"id": station.pk, "name": station.name, "city": station.city}


def trip_data(trip):
    """The departure as the database holds it now (read inside the change's transaction)."""
    trip = Trip.objects.select_related("origin", "destination", "vehicle").get(pk=trip.pk)
    return {
        "id": trip.pk,
        "kind": trip.kind,
        "status": trip.status,
        "origin": _place(trip.origin),
        "destination": _place(trip.destination),
        "departure": api_time(trip.departure),
        "vehicle_plate": trip.vehicle.plate,
        "price": trip.price,
        "seats_total": trip.seats_total,
        "seats_available": trip.seats_available,
    }


def record_trip_event(event_type, trip, **extra):
    data = trip_data(trip)
    events.record(event_type, data={**data, **extra}, station_id=data["origin"]["id"],
                  subject=f"trip:{trip.pk}")  # fmt: skip
