"""The figures follow what happens (louage.core.events): each reservation, payment or
departure event refreshes its departure's sales row."""

from louage.core.events import subscriber

from . import sales


@subscriber("reservation.*", "payment.*", name="reporting.trip_sales")
def reservation_or_payment(event):
    # A pending hold sells, receives and loses nothing, so no figure moves; most events under
    # load are holds, and a refresh costs more than the hold itself.
    if event.type.startswith("reservation.") and event.data.get("status") == "pending":
        return
    trip_id = event.data.get("trip_id")
    if trip_id:
        sales.refresh(trip_id)


@subscriber("trip.*", name="reporting.trip_sales_of_trip")
def trip_changed(event):
    sales.refresh(event.data["id"])
