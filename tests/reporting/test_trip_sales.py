"""The per-departure sales rows follow every change through the domain events, and always
equal a full recomputation."""

import pytest

from louage.booking import services as booking
from louage.payments import online
from louage.reporting import sales
from louage.reporting.models import TripSales, TripSalesByMethod
from louage.trips import services as trips
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        sorted(TripSales.objects.values_list("trip_id", "seats_sold", "revenue", "refunded",
                                             "payments", "cancelled", "expired")),
        sorted(TripSalesByMethod.objects.values_list("trip_id", "method", "payments", "revenue",
                                                     "refunded")),
    )  # fmt: skip


def test_the_events_keep_each_departures_sales_equal_to_a_recomputation(
    trip, client_user, django_capture_on_commit_callbacks, midday
):
    chief = trip.origin.chief
    with django_capture_on_commit_callbacks(execute=True):
        paid = booking.reserve_seats(trip=trip, client=client_user, seats=2)
        booking.record_cash_payment(reservation=paid, by=chief)
        booking.board_reservation(reservation=paid, by=chief)
        refunded = booking.reserve_seats(trip=trip, client=ClientFactory(), seats=1)
        booking.record_cash_payment(reservation=refunded, by=chief)
        online.request_refund(payment=refunded.payments.get(), by=chief)
        booking.sell_at_desk(trip=trip, seats=3, passenger_name="Walk In", by=chief)
    row = TripSales.objects.get(trip=trip)
    assert (row.seats_sold, row.revenue, row.refunded, row.payments, row.cancelled) == (
        5, 5 * trip.price, trip.price, 3, 1,
    )  # fmt: skip
    assert TripSalesByMethod.objects.get(trip=trip, method="cash").payments == 3
    kept = snapshot()
    sales.rebuild()
    assert snapshot() == kept
    with django_capture_on_commit_callbacks(execute=True):
        trips.cancel_trip(trip=trip, by=chief)
    row.refresh_from_db()
    # The boarded travellers travelled; the desk sale is cancelled with the departure.
    assert (row.seats_sold, row.cancelled, row.revenue) == (2, 2, 2 * trip.price)
    kept = snapshot()
    sales.rebuild()
    assert snapshot() == kept


def test_a_refresh_reads_only_its_departures_reservations(trip):
    """The relay refreshes one departure per event inside a write transaction: each query must
    start from the departure's reservations, never from every payment of the network."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        sales.refresh(trip.pk)
    selects = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT")]
    assert len(selects) == 2
    # An INNER JOIN lets SQLite start from the payments (every received one of the network).
    assert not any("INNER JOIN" in sql for sql in selects), selects
    with connection.cursor() as cursor:
        for sql in selects:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            plan = " / ".join(str(row[-1]) for row in cursor.fetchall())
            assert plan.startswith("SEARCH booking_reservation USING"), plan
            assert "trip_id=?" in plan, plan


def test_a_pending_hold_refreshes_nothing_and_leaves_no_row(
    trip, client_user, django_capture_on_commit_callbacks, django_assert_num_queries
):
    """Holds are most events under load, and they change no figure: their event costs the
    relay no query, and the rows stay what a recomputation writes (none)."""
    from louage.core.models import Event
    from louage.reporting import subscribers

    with django_capture_on_commit_callbacks(execute=True):
        hold = booking.reserve_seats(trip=trip, client=client_user, seats=2)
    assert not TripSales.objects.filter(trip=trip).exists()
    sales.rebuild()
    assert not TripSales.objects.filter(trip=trip).exists()
    created = Event.objects.get(type="reservation.created", subject=f"reservation:{hold.pk}")
    with django_assert_num_queries(0):
        subscribers.reservation_or_payment(created)
    # Once it is given up, the departure has a figure (one cancellation) and a row.
    with django_capture_on_commit_callbacks(execute=True):
        booking.cancel_reservation(reservation=hold, by=client_user)
    assert TripSales.objects.get(trip=trip).cancelled == 1
    kept = snapshot()
    sales.rebuild()
    assert snapshot() == kept
