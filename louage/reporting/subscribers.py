"""The figures follow what happens (louage.core.events): each reservation, payment or
departure event refreshes its departure's sales row."""

from louage.core.events import subscriber

from . import sales


def _moves_a_figure(event):
    # A pending hold sells, receives and loses nothing, so no figure moves; most events under
    # load are holds, and a refresh costs more than the hold itself.
    return not (event.type.startswith("reservation.") and event.data.get("status") == "pending")


@subscriber("reservation.*", "payment.*", name="reporting.trip_sales", when=_moves_a_figure)
def reservation_or_payment(event):
    if not _moves_a_figure(event):
        return
    trip_id = event.data.get("trip_id")
    if trip_id:
        sales.refresh(trip_id)


@subscriber("trip.*", name="reporting.trip_sales_of_trip")
def trip_changed(event):
    sales.refresh(event.data["id"])
